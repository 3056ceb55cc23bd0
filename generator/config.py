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
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import ConfigError
from generator.models import PLATFORMS, FeedSource, SiteConfig

__all__ = [
    "load_site_config",
    "load_feed_sources",
    "require_project_folder",
    "settings_schema",
    "settings_table",
    "SettingKey",
    "SITE_KEYS",
    "FEED_KEYS",
    "FEED_NAME_RE",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SettingKey:
    """One key a TOML file may hold, read from a ``models.setting`` field."""

    name: str
    kind: type  # what TOML gives: str, int, bool or list
    doc: str
    default: Any  # dataclasses.MISSING for a required key
    minimum: int | None = None

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING


def settings_schema(record: type) -> dict[str, SettingKey]:
    """The keys of ``record`` (``SiteConfig``, ``FeedSource``), in field order, from its
    ``setting`` fields: the one place a key's type, default and meaning are written."""
    hints = typing.get_type_hints(record)
    return {
        f.name: SettingKey(f.name, _toml_kind(hints[f.name]), f.metadata["setting"], f.default, f.metadata["minimum"])
        for f in dataclasses.fields(record)
        if "setting" in f.metadata
    }


def _toml_kind(hint: Any) -> type:
    """The TOML value a field's type is written as: a tuple is a list, ``X | None`` is X."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is tuple:
        return list
    if args and typing.get_origin(hint) in (types.UnionType, typing.Union):
        return _toml_kind(args[0])
    return typing.cast(type, hint)


SITE_KEYS = settings_schema(SiteConfig)
FEED_KEYS = settings_schema(FeedSource)

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


def _check_keys(table: dict[str, Any], allowed: dict[str, SettingKey], label: str) -> None:
    """Reject unknown keys (with a suggestion), values of the wrong type and missing required keys."""
    for key, value in table.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, list(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(sorted(allowed))})"
            raise ConfigError(f"{label}: unknown key {key!r}{hint}")
        _check_type(value, allowed[key].kind, f"{label}: key {key!r}")
    for setting in allowed.values():
        if setting.required and setting.name not in table:
            raise ConfigError(f"{label}: missing required key {setting.name!r}")


def _check_type(value: Any, kind: type, where: str) -> None:
    # bool is a subclass of int in Python, but `per_page = true` is still a mistake.
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        raise ConfigError(f"{where} must be {_type_words(kind)}, not {_type_words(type(value))} ({value!r})")


def _check_minimums(values: dict[str, Any], schema: dict[str, SettingKey], name_of: Callable[[str], str]) -> None:
    """Numbers below their key's ``minimum``; ``name_of`` says how a message names a key."""
    for key in schema.values():
        if key.minimum is not None and key.name in values and values[key.name] < key.minimum:
            raise ConfigError(f"{name_of(key.name)} must be at least {key.minimum}, not {values[key.name]}")


def _default_words(key: SettingKey) -> str:
    if key.required:
        return "required"
    if key.default in ("", None, ()):
        return ""
    return f"`{str(key.default).lower() if isinstance(key.default, bool) else key.default}`"


def settings_table(schema: dict[str, SettingKey]) -> str:
    """The Markdown table of ``schema``'s keys (README's "Configuration" section is this)."""
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for key in schema.values():
        at_least = f" (at least {key.minimum})" if key.minimum is not None else ""
        rows.append(f"| `{key.name}` | {_default_words(key)} | {key.doc}{at_least} |")
    return "\n".join(rows) + "\n"


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
    _check_minimums(values, SITE_KEYS, lambda key: _where(key, origin))
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
        _check_keys(data, {"feed": SettingKey("feed", list, "the feeds", ())}, label)
        for index, table in enumerate(data.get("feed", []), start=1):
            sources.append(_feed_from_table(table, f"{label} [[feed]] #{index}", label))
    _check_unique(sources)
    return sources


def _feed_from_table(table: Any, label: str, file_label: str) -> FeedSource:
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: expected a table")
    _check_keys(table, FEED_KEYS, label)
    _check_minimums(table, FEED_KEYS, lambda key: f"{label}: key {key!r}")
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
    for key in (k.name for k in FEED_KEYS.values() if k.kind is list):
        if not all(isinstance(v, str) for v in table.get(key, [])):
            raise ConfigError(f"{label}: every item of {key!r} must be a string")
    _check_filter_regexes(table, label)
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
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

