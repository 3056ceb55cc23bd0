"""Loading and validating configuration: ``site.toml`` and ``feeds/*.toml``.

Every key is checked: an unknown key is an error that names the file and suggests the
key that was probably meant (``site.toml: unknown key 'titel' (did you mean 'title'?)``),
a value of the wrong type names the key and the type it should have. Errors raise
:class:`~generator.errors.ConfigError` (exit code 2).
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import ConfigError
from generator.models import PLATFORMS, FeedSource, SiteConfig

__all__ = ["load_site_config", "load_feed_sources", "require_project_folder", "SITE_KEYS", "FEED_KEYS", "FEED_NAME_RE"]

log = logging.getLogger(__name__)

# The keys a user may write in site.toml, with the type each must have.
SITE_KEYS: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "base_url": str,
    "author": str,
    "description": str,
    "language": str,
    "timezone": str,
    "per_page": int,
    "feed_items": int,
    "summary_length": int,
    "max_article_kb": int,
    "content_dir": str,
    "feeds_dir": str,
    "templates_dir": str,
    "static_dir": str,
    "output_dir": str,
}

FEED_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "url": str,
    "title": str,
    "tags": list,
    "include": list,
    "exclude": list,
    "max_items": int,
    "platform": str,
    "enabled": bool,
}

# A feed name becomes a folder and a URL segment, so keep it to a safe alphabet.
FEED_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}; fix the syntax at that line") from exc
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read: {exc.strerror}") from exc


# TOML's names for Python's types, with their article ("must be an integer").
_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list", dict: "a table"}


def _type_words(kind: type) -> str:
    return _TYPE_WORDS.get(kind, f"a {kind.__name__}")


def _check_keys(table: dict[str, Any], allowed: dict[str, Any], label: str) -> None:
    """Reject unknown keys (with a suggestion) and values of the wrong type."""
    for key, value in table.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(sorted(allowed))})"
            raise ConfigError(f"{label}: unknown key {key!r}{hint}")
        expected = allowed[key]
        # bool is a subclass of int in Python, but `per_page = true` is still a mistake.
        wrong_bool = isinstance(value, bool) and expected is int
        if wrong_bool or not isinstance(value, expected):
            wanted = " or ".join(_type_words(t) for t in (expected if isinstance(expected, tuple) else (expected,)))
            raise ConfigError(f"{label}: key {key!r} must be {wanted}, not {_type_words(type(value))} ({value!r})")


def require_project_folder(root: Path) -> None:
    """The project folder (``--root``) must exist: a missing one is not a site with default settings."""
    if not Path(root).is_dir():
        raise ConfigError(f"--root {Path(root).resolve()}: no such folder; give the project folder (the one with site.toml)")


def load_site_config(root: Path, overrides: dict[str, Any] | None = None) -> SiteConfig:
    """Read ``root/site.toml``; a missing file gives the defaults and one warning.

    ``overrides`` come from the command line (``base_url`` from ``--base-url``): an empty
    or blank one counts as not given, because Netlify's ``$URL`` is empty for a site
    that is not linked yet (``netlify build`` on a fresh clone), and ``site.toml``'s
    value is then the right one. An override that is wrong is blamed on its option.
    """
    root = Path(root).resolve()
    require_project_folder(root)
    path = root / "site.toml"
    values: dict[str, Any] = {}
    if path.exists():
        values = _read_toml(path, "site.toml")
        _check_keys(values, SITE_KEYS, "site.toml")
    else:
        log.warning("site.toml not found in %s: building with default settings", root)
    _validate_site_values(values, "site.toml")
    given = {k: v for k, v in (overrides or {}).items() if v is not None and (not isinstance(v, str) or v.strip())}
    _validate_site_values(given, "command line")
    values.update(given)
    if "base_url" in values:
        values["base_url"] = values["base_url"].rstrip("/") + "/"
    return SiteConfig(root=root, **values)


def _where(key: str, origin: str) -> str:
    """How a message names a value: ``site.toml: key 'x'`` or ``--base-url``."""
    return f"--{key.replace('_', '-')}" if origin == "command line" else f"{origin}: key {key!r}"


def _validate_site_values(values: dict[str, Any], origin: str) -> None:
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"{_where('timezone', origin)}: unknown timezone {values['timezone']!r} (use an IANA name such as 'Europe/Paris' or 'UTC')"
            ) from exc
    for key in ("per_page", "feed_items", "summary_length", "max_article_kb"):
        if key in values and values[key] < 1:
            raise ConfigError(f"{_where(key, origin)} must be at least 1, not {values[key]}")
    base = values.get("base_url")
    if base is not None and not re.match(r"^https?://[^/\s]+", base):
        raise ConfigError(f"{_where('base_url', origin)}: {base!r} is not an absolute http(s) URL such as 'https://example.org/'")


def load_feed_sources(feeds_dir: Path) -> list[FeedSource]:
    """Read every ``feeds/*.toml`` (sorted by file name); names and URLs must be unique."""
    feeds_dir = Path(feeds_dir)
    sources: list[FeedSource] = []
    if not feeds_dir.is_dir():
        return sources
    for path in sorted(feeds_dir.glob("*.toml")):
        label = f"{feeds_dir.name}/{path.name}"
        data = _read_toml(path, label)
        _check_keys(data, {"feed": list}, label)
        for index, table in enumerate(data.get("feed", []), start=1):
            sources.append(_feed_from_table(table, f"{label} [[feed]] #{index}", label))
    _check_unique(sources)
    return sources


def _feed_from_table(table: Any, label: str, file_label: str) -> FeedSource:
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: expected a table")
    _check_keys(table, FEED_KEYS, label)
    for required in ("name", "url"):
        if required not in table:
            raise ConfigError(f"{label}: missing required key {required!r}")
    name, url = table["name"], table["url"]
    if not FEED_NAME_RE.match(name):
        raise ConfigError(f"{label}: name {name!r} must be lowercase letters, digits, '-' or '_' (it becomes a folder name)")
    if name == "posts":
        raise ConfigError(f"{label}: name 'posts' is reserved for authored posts; choose another")
    if not re.match(r"^https?://", url):
        raise ConfigError(f"{label}: url {url!r} must start with http:// or https://")
    platform = table.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ConfigError(f"{label}: platform {platform!r} must be one of {', '.join(PLATFORMS)}")
    for key in ("tags", "include", "exclude"):
        if not all(isinstance(v, str) for v in table.get(key, [])):
            raise ConfigError(f"{label}: every item of {key!r} must be a string")
    _check_filter_regexes(table, label)
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    return FeedSource(defined_in=file_label, **fields)


def _check_filter_regexes(table: dict[str, Any], label: str) -> None:
    """Every ``re:`` filter must compile, checked on loading so that ``build`` says so as ``fetch`` does."""
    for key in ("include", "exclude"):
        for rule in table.get(key, []):
            if rule.startswith("re:"):
                try:
                    re.compile(rule[3:])
                except re.error as exc:
                    raise ConfigError(f"{label}: {key} regex {rule[3:]!r} is invalid ({exc})") from None


def _check_unique(sources: list[FeedSource]) -> None:
    seen_names: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    for source in sources:
        if source.name in seen_names:
            raise ConfigError(
                f"{source.defined_in}: duplicate feed name {source.name!r} (also in {seen_names[source.name]})"
            )
        if source.url in seen_urls:
            raise ConfigError(f"{source.defined_in}: duplicate feed url {source.url!r} (also in {seen_urls[source.url]})")
        seen_names[source.name] = source.defined_in
        seen_urls[source.url] = source.defined_in


def replace(config: SiteConfig, **changes: Any) -> SiteConfig:
    """A copy of ``config`` with some fields changed (for --base-url and tests)."""
    return dataclasses.replace(config, **changes)
