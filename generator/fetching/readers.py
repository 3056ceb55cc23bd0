"""Reading a fetched feed's bytes into raw items, whatever its format.

RSS 0.9x/1.0/2.0 and Atom go through feedparser, JSON Feed 1.0/1.1 through ``json``;
both give the same records: a :class:`RawFeed` of :class:`RawItem` (the richest body of
each item and what it is, its links, dates, author, tags and image), before the parse
stage (``parse.py``) settles ids and dates. A body that is no feed is a FetchError
saying what it is instead (an HTML page, an empty response, malformed XML).

feedparser is called with ``sanitize_html=False`` and ``resolve_relative_uris=False``:
its sanitiser drops iframes, invents ``alt="alt"`` and eats ``<module>``-like text out
of code blocks. The normaliser sanitises and resolves URLs itself, properly.

Every URL of the feed's metadata (item link, a guid standing in for it, ``xml:base``,
the feed's link, images from ``media:content``, ``media:thumbnail``, image enclosures
and JSON Feed's ``image``) leaves this module through ``urls.http_url``: absolute
http(s) and percent-encoded, or "" (an image then falls back to the next candidate).
An item's identity still comes from its link as written, so existing articles keep it.
"""

from __future__ import annotations

import calendar
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urljoin

import feedparser

from generator.errors import FetchError
from generator.fetching.sniff import detect_markdown, looks_like_html
from generator.fetching.xmlguard import guard_xml
from generator.models import ContentKind, FeedSource, FetchResult
from generator.text import plain_text, writable
from generator.urls import http_url

__all__ = ["RawItem", "RawFeed", "read_feed", "from_iso", "lower_headers"]


@dataclass(frozen=True)
class RawFeed:
    """What a feed says of itself, and its items as read."""

    title: str
    link: str  # the blog's home page, http(s) only
    generator: str
    description: str
    items: list[RawItem]
    warnings: list[str] = field(default_factory=list)


def from_iso(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def read_feed(result: FetchResult, source: FeedSource) -> RawFeed:
    """The feed in ``result``'s body, JSON Feed or XML; a FetchError when it is none."""
    content_type = lower_headers(result.headers).get("content-type", "").lower()
    reader = _read_json_feed if _is_json(result.body, content_type) else _read_xml_feed
    return reader(result, source)


@dataclass(frozen=True)
class RawItem:
    """One item as read from either reader, before ids and dates are settled."""

    guid: str
    title: str
    link: str  # http(s) only (urls.http_url), "" when the feed gives none
    link_id: str  # the link as written (resolved): what identifies an item without a guid
    published: datetime | None
    updated: datetime | None
    content: str
    content_type: ContentKind
    has_full_content: bool
    summary_html: str
    base: str
    author: str
    tags: tuple[str, ...]
    image: str


def _struct_to_dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError):
        return None


def _content_kind(mime: str, value: str) -> ContentKind:
    mime = (mime or "").lower()
    if "markdown" in mime:
        return "markdown"
    if "html" in mime or "xml" in mime:
        return "markdown" if detect_markdown(value) else "html"
    # text/plain: Atom's default, often wrong (entity-escaped HTML in an untyped element).
    if looks_like_html(value):
        return "markdown" if detect_markdown(value) else "html"
    return "markdown" if detect_markdown(value) else "text"


def _image_candidates(item: Mapping[str, Any]) -> Iterator[str]:
    """Image URLs an item names, best first: media:content, media:thumbnail, enclosures."""
    for media in item.get("media_content", []) or []:
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/") or not media.get("type"):
            yield media.get("url", "")
    for thumb in item.get("media_thumbnail", []) or []:
        yield thumb.get("url", "")
    for link in item.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image"):
            yield link.get("href", "")


def _first_http_url(candidates: Iterable[Any], base: str) -> str:
    return next((url for url in (http_url(c, base) for c in candidates) if url), "")


def _raw_from_feedparser(item: dict[str, Any], feed_url: str) -> RawItem:
    contents = [c for c in item.get("content", []) or [] if c.get("value", "").strip()]
    summary = item.get("summary_detail") or {}
    summary_value = item.get("summary", "") or ""
    best = max(contents, key=lambda c: len(c.get("value", "")), default=None)
    if best is not None and (best["value"] == summary_value or len(plain_text(best["value"])) >= len(plain_text(summary_value))):
        body, mime, base, full = best["value"], best.get("type", ""), best.get("base", ""), True
    else:
        body, mime, base, full = summary_value, summary.get("type", ""), summary.get("base", ""), False
    # FeedBurner and FeedPress put a tracking redirect in <link>; the original is kept aside.
    link = item.get("feedburner_origlink", "") or item.get("link", "") or ""
    raw_base = urljoin(feed_url, base) if base else ""
    link_abs = urljoin(raw_base or feed_url, link) if link else ""  # as before: it names the item
    base_abs = http_url(raw_base)
    link_url = http_url(link_abs)
    tags = tuple(t.get("term") or t.get("label") or "" for t in item.get("tags", []) or [])
    # not author_detail's name: feedparser cuts addresses with a long top-level domain wrongly
    author = item.get("author", "") or (item.get("author_detail") or {}).get("name", "")
    return RawItem(
        guid=writable(str(item.get("id", "") or "")).strip(),
        title=item.get("title", "") or "",
        link=link_url,
        link_id=link_abs,
        # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed, with a warning.
        published=_struct_to_dt(dict.get(item, "published_parsed")) or _struct_to_dt(dict.get(item, "updated_parsed")),
        updated=_struct_to_dt(dict.get(item, "updated_parsed")),
        content=body,
        content_type=_content_kind(mime, body),
        has_full_content=full,
        summary_html=summary_value if full else "",
        base=base_abs,
        author=author,
        tags=tags,
        image=_first_http_url(_image_candidates(item), base_abs or link_url or feed_url),
    )


def _json_author(obj: Mapping[str, Any]) -> str:
    authors = obj.get("authors") if isinstance(obj.get("authors"), list) else []
    authors = authors or ([obj["author"]] if isinstance(obj.get("author"), dict) else [])
    names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"]]
    return ", ".join(names)


def _json_text(obj: Mapping[str, Any], key: str) -> str:
    """A JSON Feed string field; a value of another type (a list, a number) counts as absent."""
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _json_id(value: Any) -> str:
    """An item id: a string, or a number written as one (common, though the spec says string)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def _raw_from_json(item: Mapping[str, Any], feed_url: str) -> RawItem:
    content_html = item.get("content_html") or ""
    content_text = item.get("content_text") or ""
    summary = _json_text(item, "summary")
    kind: ContentKind
    if isinstance(content_html, str) and content_html.strip():
        body, kind, full = content_html, "markdown" if detect_markdown(content_html) else "html", True
    elif isinstance(content_text, str) and content_text.strip():
        body, kind, full = content_text, "markdown" if detect_markdown(content_text) else "text", True
    else:
        body, kind, full = summary, "text", False
    given = item.get("url") or item.get("external_url") or ""
    link = given if isinstance(given, str) else ""
    given_tags = item.get("tags")
    tags = given_tags if isinstance(given_tags, list) else []
    return RawItem(
        guid=writable(_json_id(item.get("id"))),
        title=_json_text(item, "title"),
        link=http_url(given, feed_url),  # a URL that is not a string is no URL
        link_id=urljoin(feed_url, link) if link else "",
        published=from_iso(_json_text(item, "date_published")) or from_iso(_json_text(item, "date_modified")),
        updated=from_iso(_json_text(item, "date_modified")),
        content=body,
        content_type=kind,
        has_full_content=full,
        summary_html=summary if full else "",
        base="",
        author=_json_author(item),
        tags=tuple(t for t in tags if isinstance(t, str)),
        image=_first_http_url((item.get("image"), item.get("banner_image")), feed_url),
    )


def _is_json(body: bytes, content_type: str) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" in content_type or start == b"{"


def _read_json_feed(result: FetchResult, source: FeedSource) -> RawFeed:
    try:
        data = json.loads(result.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(source.name, f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or "jsonfeed.org/version/" not in str(data.get("version", "")):
        raise FetchError(source.name, "not a feed: JSON without a jsonfeed.org 'version'")
    items = data.get("items")
    if not isinstance(items, list):
        raise FetchError(source.name, "not a feed: JSON Feed without an 'items' list")
    raws = [_raw_from_json(i, result.url) for i in items if isinstance(i, dict)]
    warnings = [f"{len(items) - len(raws)} JSON Feed items are not objects, skipped"] if len(raws) < len(items) else []
    return RawFeed(
        title=_json_text(data, "title"),
        link=http_url(data.get("home_page_url"), result.url),
        generator="",
        description=_json_text(data, "description"),
        items=raws,
        warnings=warnings,
    )


def _not_a_feed_reason(body: bytes, content_type: str, parsed: Mapping[str, Any]) -> str:
    head = body[:2048].lower()
    if "html" in content_type and "xml" not in content_type:
        return f"not a feed: got {content_type.split(';')[0].strip()}; check the feed URL"
    if b"<html" in head or b"<!doctype html" in head:
        return "not a feed: got an HTML page; check the feed URL"
    if not body.strip():
        return "not a feed: the response is empty"
    problem = parsed.get("bozo_exception")
    return f"not a feed: {problem or 'no RSS, Atom or JSON Feed found'}"


def _read_xml_feed(result: FetchResult, source: FeedSource) -> RawFeed:
    guarded = guard_xml(result.body, lower_headers(result.headers), source.name)  # no entity is expanded
    body, headers = guarded.body, guarded.headers
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    entries = parsed.get("entries", [])
    version = parsed.get("version", "")
    warnings: list[str] = list(guarded.warnings)
    problem = parsed.get("bozo_exception")
    if not version and not entries:
        raise FetchError(source.name, _not_a_feed_reason(body, headers.get("content-type", ""), parsed))
    if parsed.get("bozo"):
        kind = type(problem).__name__ if problem else "error"
        if "Encoding" in kind:
            warnings.append(f"character encoding: {problem} (decoded as {parsed.get('encoding')})")
        elif entries:
            warnings.append(f"malformed XML, entries recovered: {problem}")
        elif version and "<item" not in body.decode("latin-1").lower() and "<entry" not in body.decode("latin-1").lower():
            warnings.append(f"malformed XML, feed has no items: {problem}")
        else:
            raise FetchError(source.name, f"malformed feed, no entries could be recovered: {problem}")
    feed = parsed.get("feed", {})
    return RawFeed(
        title=feed.get("title", ""),
        link=http_url(feed.get("link"), result.url),
        generator=feed.get("generator", "") or (feed.get("generator_detail") or {}).get("name", ""),
        description=feed.get("subtitle", "") or "",
        items=[_raw_from_feedparser(e, result.url) for e in entries],
        warnings=warnings,
    )


