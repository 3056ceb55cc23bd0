"""An article's front matter as the build cache keeps it: JSON that round-trips exactly.

The cache stores each parsed article's fields (all but its body and path) as JSON, so
that a later build knows a file's title, date, tags and the rest without parsing it.
A date keeps its time zone's name (or offset); an article whose fields would not come
back equal (``article_to_json`` checks) is not cached as JSON at all.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from generator.content.frontmatter import DATE_KEYS, LIST_KEYS
from generator.models import Article

__all__ = ["Meta", "DateJson", "article_to_json", "article_from_json", "date_to_json", "date_from_json"]

Meta = dict[str, Any]  # an article's front matter as JSON (no body, no path)
DateJson = list[Any]  # [naive ISO date, zone name or None, UTC offset in seconds]

# Which fields are dates and lists: from Article's types (content/frontmatter.py).
_DATE_FIELDS = DATE_KEYS
_TUPLE_FIELDS = LIST_KEYS


def date_to_json(value: datetime | None) -> DateJson | None:
    if value is None:
        return None
    zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
    offset = value.utcoffset()
    return [value.replace(tzinfo=None).isoformat(), zone, offset.total_seconds() if offset is not None else 0.0]


def date_from_json(value: DateJson | None) -> datetime | None:
    if value is None:
        return None
    naive, zone, offset = value
    return _date(naive, zone, offset)


@lru_cache(maxsize=65536)
def _date(naive: str, zone: str | None, offset: float) -> datetime:
    """A date as the cache stores it (a build reads each post's date up to three times)."""
    tz = ZoneInfo(zone) if zone else timezone(timedelta(seconds=offset))
    return datetime.fromisoformat(naive).replace(tzinfo=tz)


def article_to_json(article: Article) -> Meta | None:
    """Front matter fields as JSON (no body, no path); None when they would not round-trip."""
    data: Meta = {}
    for f in dataclasses.fields(Article):
        if f.name in ("body", "path"):
            continue
        value = getattr(article, f.name)
        if f.name in _DATE_FIELDS:
            value = date_to_json(value)
        elif isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        data[f.name] = value
    try:
        back = article_from_json(orjson.loads(orjson.dumps(data)), article.body, article.path)
    except (TypeError, ValueError):  # orjson's errors are both
        return None
    return data if _same_article(back, article) else None


def _same_article(a: Article, b: Article) -> bool:
    """Equal field by field, including each date's time zone object (== ignores it)."""
    if a != b or repr(a.extra) != repr(b.extra):
        return False
    return all(_same_date(getattr(a, n), getattr(b, n)) for n in _DATE_FIELDS)


def _same_date(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.tzinfo == b.tzinfo and a.isoformat() == b.isoformat()


def article_from_json(data: Meta, body: str, path: str) -> Article:
    values = dict(data)
    for name in _DATE_FIELDS:
        values[name] = date_from_json(values[name])
    for name in _TUPLE_FIELDS:
        values[name] = tuple(values.get(name, ()))
    values["extra"] = tuple((k, v) for k, v in values["extra"])
    return Article(**values, body=body, path=path)
