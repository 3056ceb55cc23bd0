"""Reading one article file into an :class:`~generator.models.Article`.

Each front matter value is read by its ``Article`` field: text (stripped), a date (aware;
a naive one in the site's time zone), an optional date, true or false, a list of tags, a
list of content paths or URLs; a few keys have a rule of their own (``slug`` is made
safe, ``original_url`` and ``image`` keep only addresses a page may link). Every problem
is a :class:`~generator.errors.ContentError` naming the file and the line to fix.
Which files are published (drafts, future dates) is decided here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml

from generator.content.frontmatter import (
    FRONT_MATTER_FIELDS,
    FRONT_MATTER_KEYS,
    UNWRITABLE,
    check_unknown_keys,
    key_line,
    load_front_matter,
    split_front_matter,
    writable,
    yaml_problem,
)
from generator.content.names import slugify
from generator.errors import ContentError
from generator.models import Article, is_published
from generator.urls import http_url, page_url

__all__ = ["parse_article", "parse_article_bytes", "read_body", "body_of_bytes", "filter_published", "as_references"]

Reader = Callable[[Any], Any]


class _WholeMessage(ValueError):
    """A reader's complaint that is the whole message, not one to put after ``bad 'key':``."""


def _to_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """YAML gives a datetime, a date or a string; make it aware (site zone when naive)."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            result = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as error:  # Python's own words ("Invalid isoformat string") do not say what to write
            raise ValueError(f"{error}; write a date such as 2026-01-31 or 2026-01-31T09:30:00Z") from None
    else:
        raise ValueError(f"expected a date such as 2026-01-31 or 2026-01-31T09:30:00Z, got {value!r}")
    return result if result.tzinfo else result.replace(tzinfo=tz)


def _as_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError(f"{key!r} must be text, not a {type(value).__name__}")
    return str(value)


def _as_tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) and not isinstance(t, bool) for t in value):
        raise ValueError("'tags' must be a list such as [python, web]")
    return tuple(dict.fromkeys(str(t).strip() for t in value if str(t).strip()))


def as_references(value: Any) -> tuple[str, ...]:
    """``copy_of`` / ``not_copy_of``: one content path or URL, or a list of them."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise ValueError("expected a content path or URL, or a list of them, such as [devto/2024-01-05-title.md]")
    return tuple(dict.fromkeys(v.strip() for v in items if v.strip()))


# Keys with a rule of their own; every other key is read by its field's type (_reader).
# Pages link original_url and image: only http(s) (or, for an image, a site path) is kept,
# however the file was written (by hand, or by older code that let other schemes through).
_OWN_RULES: dict[str, Reader] = {
    "slug": lambda v: slugify(_as_text(v, "slug")) if v else "",
    "tags": _as_tags,
    "original_url": lambda v: http_url(_as_text(v, "original_url")),
    "image": lambda v: page_url(_as_text(v, "image")),
}


def _reader(name: str, hint: Any, tz: dt.tzinfo) -> Reader:
    if name in _OWN_RULES:
        return _OWN_RULES[name]
    if hint is dt.datetime:
        return lambda v: _to_datetime(v, tz)
    if hint == dt.datetime | None:
        return lambda v: None if v is None else _to_datetime(v, tz)
    if hint is bool:
        return lambda v: _as_bool(v, name)
    if hint == tuple[str, ...]:
        return as_references
    if hint is str:
        return lambda v: _as_text(v, name).strip()
    raise TypeError(f"Article.{name}: no front matter reader for {hint}")  # a new field's type needs one


def _as_bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _WholeMessage(f"{key!r} must be true or false")
    return value


@lru_cache(maxsize=16)
def _readers(tz: dt.tzinfo) -> dict[str, Reader]:
    """A reader per front matter key, for one site time zone."""
    hints = typing.get_type_hints(Article)
    return {f.name: _reader(f.name, hints[f.name], tz) for f in FRONT_MATTER_FIELDS}


def parse_article(text: str, path: str, tz: dt.tzinfo = dt.timezone.utc) -> Article:
    """Parse one article file's text; raise ContentError naming ``path`` and the line."""
    try:
        front, body, _ = split_front_matter(text)
    except ValueError as exc:
        raise ContentError(path, str(exc), 1) from None
    try:
        meta = load_front_matter(front) or {}
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc, front)
        raise ContentError(path, f"invalid YAML front matter: {problem}", line) from None
    if not isinstance(meta, dict):
        raise ContentError(path, "front matter must be 'key: value' lines", 2)
    meta = {writable(key, key, path, front): writable(value, key, path, front) for key, value in meta.items()}
    check_unknown_keys(meta, path, front)
    return Article(
        **_front_matter_values(meta, path, front, tz),
        body=UNWRITABLE.sub("\ufffd", body),  # as CommonMark does with NUL: a page or feed cannot carry them
        path=path,
        extra=tuple((k, v) for k, v in meta.items() if k not in FRONT_MATTER_KEYS),
    )


def _front_matter_values(meta: dict[Any, Any], path: str, front: str, tz: dt.tzinfo) -> dict[str, Any]:
    """Every front matter field's value: read from ``meta``, else its default."""
    readers = _readers(tz)
    values: dict[str, Any] = {}
    for f in FRONT_MATTER_FIELDS:
        required = f.default is dataclasses.MISSING
        if meta.get(f.name) is None and required:
            values[f.name] = None  # an empty required key is missing, as an absent one is
        elif f.name not in meta:
            values[f.name] = f.default
        else:
            values[f.name] = _read_value(readers[f.name], meta[f.name], f.name, path, front)
        if required and values[f.name] in (None, ""):
            example = f.metadata["example"]
            raise ContentError(path, f"missing {f.name!r}: add a line such as '{f.name}: {example}'", key_line(front, f.name))
    return values


def _read_value(reader: Reader, value: Any, key: str, path: str, front: str) -> Any:
    try:
        return reader(value)
    except _WholeMessage as exc:
        raise ContentError(path, str(exc), key_line(front, key)) from None
    except (ValueError, TypeError) as exc:
        raise ContentError(path, f"bad {key!r}: {exc}", key_line(front, key)) from None


def parse_article_bytes(data: bytes, path: str, tz: dt.tzinfo = dt.timezone.utc) -> Article:
    """``parse_article`` on a file's bytes; text that is not UTF-8 is a ContentError too."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    return parse_article(text, path, tz)


def read_body(file: Path) -> str:
    """The Markdown body of an article file, its front matter left out ("" if unreadable:
    the build reports a bad file when it parses it)."""
    try:
        return body_of_bytes(file.read_bytes())
    except OSError:
        return ""


def body_of_bytes(data: bytes) -> str:
    """``read_body`` of a file holding ``data``: decoded as ``read_text`` does (UTF-8,
    every line ending as ``\n``), its front matter left out; "" if it cannot be read."""
    try:
        return split_front_matter(data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))[1]
    except ValueError:  # UnicodeDecodeError is a ValueError
        return ""


def filter_published(articles: Iterable[Article], now: dt.datetime, drafts: bool, future: bool) -> list[Article]:
    """Leave out drafts (unless ``drafts``) and posts dated after ``now`` (unless ``future``)."""
    return [a for a in articles if is_published(a.draft, a.date, now, drafts, future)]
