"""The parse stage: one fetched feed body in, its entries out.

This module owns reading feeds (RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON
Feed 1.0/1.1 through ``json``), telling the platform that produced a feed (forem,
ghost, gridsome, generic), choosing the richest body of each item and saying what it
is (HTML, Markdown or text), giving every entry a stable unique id, and turning dates
into aware UTC that never jump: an item without a date keeps the time it was first
seen, a future date is clamped to now, and a re-dated item never moves later than
when it was first seen.

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
import dataclasses
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

import feedparser

from generator.errors import FetchError
from generator.fetching.xmlguard import guard_xml
from generator.models import PLATFORMS, Entry, FeedSource, FetchResult
from generator.people import person_name
from generator.text import plain_text, writable
from generator.urls import http_url

__all__ = ["ParsedFeed", "parse_feed", "detect_markdown", "iso_utc"]

# A body that only says "read more" is an excerpt: these are the usual endings.
EXCERPT_ENDINGS = ("…", "...", "[…]", "[...]", "&hellip;", "Read more", "Continue reading")
EXCERPT_MAX_CHARS = 500  # a short single-paragraph body without a full-content element is an excerpt
BLOCK_HTML = re.compile(r"<(p|br|li|h[1-6]|pre|div|blockquote|table|ul|ol|figure|section|article)[\s>/]", re.I)


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed says: its title, link, platform, entries and any warnings."""

    title: str
    link: str
    platform: str  # forem | ghost | gridsome | generic
    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)
    first_seen: dict[str, str] = field(default_factory=dict)  # entry id -> ISO UTC time first seen


# ---------------------------------------------------------------- small helpers


def iso_utc(moment: datetime) -> str:
    """``2026-01-31T09:30:00Z``: the form first-seen times are remembered in."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_iso(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _short_hash(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def detect_markdown(body: str) -> bool:
    """True when ``body`` is Markdown (perhaps with some raw HTML) rather than HTML.

    Gridsome's and Gatsby's feed plugins put the Markdown source in ``content:encoded``;
    some Atom feeds say ``type="html"`` about it. HTML has paragraph and block tags
    everywhere; Markdown has fences, ``#`` headings, ``[text](url)`` links, list
    markers and blank-line-separated prose lines that start with no tag.
    """
    text = body.strip()
    if not text:
        return False
    # Code inside fences may hold anything: count the signals outside it only.
    fences = re.findall(r"^ {0,3}(```|~~~)", text, re.M)
    outside = re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1", "", text, flags=re.M | re.S)
    # So may an HTML <pre>: its blank lines and lines without tags are not prose paragraphs.
    outside = re.sub(r"<pre[\s>].*?</pre\s*>", "<pre></pre>", outside, flags=re.I | re.S)
    html_blocks = len(BLOCK_HTML.findall(outside))
    signals = len(fences) // 2 * 3
    signals += len(re.findall(r"^#{1,6} \S", outside, re.M)) * 2
    signals += len(re.findall(r"\]\((?:https?://|/|\.|#)[^)\s]*\)", outside))
    signals += len(re.findall(r"^(?:[-*+]|\d+\.) \S", outside, re.M))
    signals += len(re.findall(r"\*\*\S[^*\n]*\*\*|(?<![\w`])`[^`\n]+`(?!`)", outside))
    prose = [p for p in re.split(r"\n\s*\n", outside) if p.strip() and not p.lstrip().startswith("<")]
    paragraph_tags = len(re.findall(r"<(p|br)[\s>/]", outside, re.I))
    if not signals:
        # Prose paragraphs separated by blank lines and no <p> at all: Markdown (an HTML
        # reading would run them together), even when the only markup is raw HTML islands.
        return len(prose) >= 2 and paragraph_tags == 0
    if html_blocks == 0:
        return True
    # Raw HTML islands (iframes, figures) in Markdown: prose paragraphs without tags dominate.
    return signals + len(prose) > 3 * html_blocks


def _looks_like_html(text: str) -> bool:
    return bool(BLOCK_HTML.search(text) or re.search(r"<(a|img|strong|em|code|span|b|i)[\s>]", text, re.I))


# ---------------------------------------------------------------- platform


def detect_platform(generator: str, link: str, description: str, bodies: list[str]) -> str:
    """forem, ghost, gridsome or generic, from the generator, URLs and markup."""
    gen = generator.lower()
    host = urlsplit(link).hostname or ""
    sample = "\n".join(bodies[:5])
    if "ghost" in gen or "kg-card" in sample or "kg-image-card" in sample:
        return "ghost"
    if "gridsome" in gen:
        return "gridsome"
    if (
        "forem" in gen
        or host in ("dev.to", "forem.com") or host.endswith((".dev.to", ".forem.com"))
        or "article-body-image-wrapper" in sample or "js-code-highlight" in sample
        or re.search(r"\bon (Forem|DEV Community)\b", description)
    ):
        return "forem"
    return "generic"


# ---------------------------------------------------------------- the raw item


@dataclass(frozen=True)
class _RawItem:
    """One item as read from either reader, before ids and dates are settled."""

    guid: str
    title: str
    link: str  # http(s) only (urls.http_url), "" when the feed gives none
    link_id: str  # the link as written (resolved): what identifies an item without a guid
    published: datetime | None
    updated: datetime | None
    content: str
    content_type: str
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


def _content_kind(mime: str, value: str) -> str:
    mime = (mime or "").lower()
    if "markdown" in mime:
        return "markdown"
    if "html" in mime or "xml" in mime:
        return "markdown" if detect_markdown(value) else "html"
    # text/plain: Atom's default, often wrong (entity-escaped HTML in an untyped element).
    if _looks_like_html(value):
        return "markdown" if detect_markdown(value) else "html"
    return "markdown" if detect_markdown(value) else "text"


def _image_candidates(item: Mapping[str, Any]):
    """Image URLs an item names, best first: media:content, media:thumbnail, enclosures."""
    for media in item.get("media_content", []) or []:
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/") or not media.get("type"):
            yield media.get("url", "")
    for thumb in item.get("media_thumbnail", []) or []:
        yield thumb.get("url", "")
    for link in item.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image"):
            yield link.get("href", "")


def _first_http_url(candidates, base: str) -> str:
    return next((url for url in (http_url(c, base) for c in candidates) if url), "")


def _raw_from_feedparser(item: Mapping[str, Any], feed_url: str) -> _RawItem:
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
    return _RawItem(
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


def _raw_from_json(item: Mapping[str, Any], feed_url: str) -> _RawItem:
    content_html = item.get("content_html") or ""
    content_text = item.get("content_text") or ""
    summary = _json_text(item, "summary")
    if isinstance(content_html, str) and content_html.strip():
        body, kind, full = content_html, "markdown" if detect_markdown(content_html) else "html", True
    elif isinstance(content_text, str) and content_text.strip():
        body, kind, full = content_text, "markdown" if detect_markdown(content_text) else "text", True
    else:
        body, kind, full = summary, "text", False
    given = item.get("url") or item.get("external_url") or ""
    link = given if isinstance(given, str) else ""
    tags = item.get("tags") if isinstance(item.get("tags"), list) else []
    return _RawItem(
        guid=writable(_json_id(item.get("id"))),
        title=_json_text(item, "title"),
        link=http_url(given, feed_url),  # a URL that is not a string is no URL
        link_id=urljoin(feed_url, link) if link else "",
        published=_from_iso(_json_text(item, "date_published")) or _from_iso(_json_text(item, "date_modified")),
        updated=_from_iso(_json_text(item, "date_modified")),
        content=body,
        content_type=kind,
        has_full_content=full,
        summary_html=summary if full else "",
        base="",
        author=_json_author(item),
        tags=tuple(t for t in tags if isinstance(t, str)),
        image=_first_http_url((item.get("image"), item.get("banner_image")), feed_url),
    )


# ---------------------------------------------------------------- readers


def _is_json(body: bytes, content_type: str) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "json" in content_type or start == b"{"


def _read_json_feed(result: FetchResult, source: FeedSource) -> tuple[dict, list[_RawItem], list[str]]:
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
    meta = {
        "title": _json_text(data, "title"),
        "link": http_url(data.get("home_page_url"), result.url),
        "generator": "",
        "description": _json_text(data, "description"),
    }
    return meta, raws, warnings


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


def _read_xml_feed(result: FetchResult, source: FeedSource) -> tuple[dict, list[_RawItem], list[str]]:
    guarded = guard_xml(result.body, _lower_headers(result.headers), source.name)  # no entity is expanded
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
    meta = {
        "title": feed.get("title", ""),
        "link": http_url(feed.get("link"), result.url),
        "generator": feed.get("generator", "") or (feed.get("generator_detail") or {}).get("name", ""),
        "description": feed.get("subtitle", "") or "",
    }
    return meta, [_raw_from_feedparser(e, result.url) for e in entries], warnings


# ---------------------------------------------------------------- identity and dates


MAX_ID = 1024  # a longer guid (or link used as one) is known by its hash


def _base_ids(raws: list[_RawItem]) -> list[str]:
    ids = [r.guid or writable(r.link_id) or f"urn:sha1:{_short_hash(r.title, r.content)}" for r in raws]
    return [i if len(i) <= MAX_ID else f"urn:sha1:{_short_hash(i)}" for i in ids]


def _unique_ids(raws: list[_RawItem]) -> list[str]:
    """Ids unique within the feed; shared guids/links get a suffix from the title.

    A real Gridsome feed gives every item the link ``/blog/undefined``: those items are
    different articles, so each gets ``<link>#<hash of its title>`` (then ``-2``, ``-3``
    in content order when even the titles are equal), stable from one fetch to the next.
    """
    ids = _base_ids(raws)
    counts = Counter(ids)
    result = [i if counts[i] == 1 else f"{i}#{_short_hash(r.title)}" for i, r in zip(ids, raws)]
    counts = Counter(result)
    seen: Counter[str] = Counter()
    order = sorted(range(len(raws)), key=lambda n: (_short_hash(raws[n].content), n))
    final = list(result)
    for n in order:
        key = result[n]
        if counts[key] > 1:
            seen[key] += 1
            final[n] = key if seen[key] == 1 else f"{key}-{seen[key]}"
    return final


# Undated items of a feed's first fetch are not news: they get stand-in times just after
# this moment (one second apart, in the feed's order), below every dated article, kept in
# first_seen so they never move; a time before STAND_IN_LIMIT is known to be a stand-in.
STAND_IN_BASE = datetime(1970, 1, 1, tzinfo=timezone.utc)
STAND_IN_LIMIT = datetime(1971, 1, 1, tzinfo=timezone.utc)


def _stand_in_dates(raws: list[_RawItem], ids: list[str], first_seen: dict[str, str], now: datetime) -> None:
    """On a feed's first fetch (nothing seen yet), record stand-in times for its undated
    items: the feed's first item the newest, each one second below the one before."""
    if first_seen:
        return
    undated = [entry_id for raw, entry_id in zip(raws, ids) if raw.published is None]
    for place, entry_id in enumerate(undated):
        first_seen[entry_id] = iso_utc(STAND_IN_BASE + timedelta(seconds=len(undated) - place))


def _settle_date(
    raw: _RawItem, entry_id: str, first_seen: dict[str, str], now: datetime
) -> tuple[datetime, bool]:
    """The entry's date: its own, never after now, never after it was first seen; and
    whether it is known (False: a stand-in from the feed's first fetch)."""
    seen = _from_iso(first_seen[entry_id]) if entry_id in first_seen else None
    if seen is None:
        seen = now
        first_seen[entry_id] = iso_utc(now)
    date = min(raw.published or seen, seen, now)
    return date, date >= STAND_IN_LIMIT


# ---------------------------------------------------------------- entries


def _title_of(raw: _RawItem) -> str:
    title = plain_text(raw.title)
    if title:
        return title
    # A title-less microblog post: the feed's own summary, else the body's first words.
    words = plain_text(raw.summary_html) or plain_text(
        raw.content if raw.content_type != "markdown" else re.sub(r"[#*_`>\[\]]", "", raw.content)
    )
    if not words:
        return "Untitled"
    if len(words) <= 60:
        return words
    return words[:60].rsplit(" ", 1)[0] + "…"


def _is_excerpt(raw: _RawItem) -> bool:
    if raw.has_full_content or not raw.content.strip():
        return not raw.content.strip()
    text = plain_text(raw.content)
    if text.endswith(EXCERPT_ENDINGS):
        return True
    paragraphs = len(re.findall(r"<p[\s>]", raw.content, re.I))
    return len(text) < EXCERPT_MAX_CHARS and paragraphs <= 1 and not BLOCK_HTML.search(raw.content.replace("<p>", ""))


def _summary_of(raw: _RawItem) -> str:
    """The feed's own summary as plain text, when it differs from the body."""
    if not raw.summary_html or raw.summary_html == raw.content:  # feedparser copies content there
        return ""
    summary = plain_text(raw.summary_html)
    body = plain_text(raw.content)
    return "" if summary == body else summary


def _entry_from_raw(raw: _RawItem, entry_id: str, date: datetime, source: FeedSource, platform: str, feed_title: str) -> Entry:
    kind = raw.content_type
    return Entry(
        source=source.name,
        id=entry_id,
        title=_title_of(raw),
        link=raw.link,
        published=date,
        content=raw.content,
        content_type=kind,  # type: ignore[arg-type]
        platform=platform,
        base_url=raw.base or raw.link,
        author=person_name(plain_text(raw.author)),
        updated=raw.updated if raw.updated and raw.updated != raw.published else None,
        tags=tuple(dict.fromkeys(t for t in (plain_text(t) for t in raw.tags) if t)),
        summary=_summary_of(raw),
        is_excerpt=_is_excerpt(raw),
        feed_title=plain_text(feed_title),
        image=raw.image,
    )


def parse_feed(
    result: FetchResult, source: FeedSource, first_seen: Mapping[str, str], now: datetime
) -> ParsedFeed:
    """Parse one fetched body into entries; raise FetchError when it is not a usable feed."""
    now = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
    seen = dict(first_seen)
    if result.status == "failed":
        raise FetchError(source.name, result.error or "fetch failed")
    if result.status == "not_modified":
        return ParsedFeed(source.title, "", source.platform or "generic", [], [], seen)
    content_type = _lower_headers(result.headers).get("content-type", "").lower()
    reader = _read_json_feed if _is_json(result.body, content_type) else _read_xml_feed
    meta, raws, warnings = reader(result, source)
    platform = source.platform if source.platform in PLATFORMS else detect_platform(
        meta["generator"], meta["link"] or result.url, meta["description"], [r.content for r in raws]
    )
    ids = _unique_ids(raws)
    _stand_in_dates(raws, ids, seen, now)
    entries = []
    for raw, entry_id in zip(raws, ids):
        date, known = _settle_date(raw, entry_id, seen, now)
        entry = _entry_from_raw(raw, entry_id, date, source, platform, meta["title"] or source.title)
        entries.append(entry if known else dataclasses.replace(entry, date_known=False))
    return ParsedFeed(plain_text(meta["title"]) or source.title, meta["link"], platform, entries, warnings, seen)
