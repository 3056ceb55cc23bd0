"""OPML 2.0 subscription lists: import to feed sources, export from them.

Import walks every ``<outline>`` with an ``xmlUrl`` (folders are flattened), takes the
feed name from our own ``name`` attribute when present, else from the outline's text,
and the tags from ``category`` (comma-separated, as OPML 2.0 defines it). Export writes
the same attributes, so ``import`` then ``export`` gives the file back and ``export``
then ``import`` gives the sources back. The output is deterministic: no creation date.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from generator.content import slugify
from generator.models import FeedSource

__all__ = ["OpmlError", "OpmlFeed", "read_opml", "write_opml"]


class OpmlError(ValueError):
    """The file is not OPML we can read; the message says why."""


@dataclass(frozen=True)
class OpmlFeed:
    """One subscription as OPML states it (name may be empty: the caller picks one)."""

    url: str
    name: str = ""
    title: str = ""
    tags: tuple[str, ...] = ()
    html_url: str = ""


# What may come before the root element: a BOM, white space, the XML declaration and
# other processing instructions, comments and a DOCTYPE (with an internal subset).
_PROLOGUE = re.compile(rb"(?:\xef\xbb\xbf|\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*", re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w:.-]*)")


def _root_name(data: bytes) -> str | None:
    """The root element's name, read without parsing (None: the file has no element)."""
    start = _PROLOGUE.match(data, 0, 65536)
    found = _FIRST_TAG.match(data, start.end() if start else 0)
    return found.group(1).decode("ascii", "replace").lower() if found else None


def read_opml(data: bytes) -> list[OpmlFeed]:
    """Every subscription of an OPML document, in document order.

    What the file is comes first (an HTML page or another feed is "not an OPML file",
    whatever else is wrong with it); only then OPML's own rules.
    """
    name = _root_name(data)
    if name != "opml":
        what = f"it starts with <{name}>" if name else "it has no XML element"
        raise OpmlError(f"not an OPML file: {what}, not <opml>; export the subscriptions from your feed reader as OPML")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise OpmlError("DTDs and entities are not allowed in OPML")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise OpmlError(f"not well-formed XML ({exc})") from None
    if root.tag != "opml":
        raise OpmlError(f"not an OPML file: the root element is <{root.tag}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OpmlError("no <body> element")
    feeds = []
    for outline in body.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue  # a folder, or a link outline
        tags = tuple(t.strip().strip("/") for t in (outline.get("category") or "").split(",") if t.strip().strip("/"))
        feeds.append(
            OpmlFeed(
                url=url,
                name=(outline.get("name") or "").strip(),
                title=(outline.get("title") or outline.get("text") or "").strip(),
                tags=tags,
                html_url=(outline.get("htmlUrl") or "").strip(),
            )
        )
    return feeds


def name_for(feed: OpmlFeed) -> str:
    """A feed name from its title, else from its host: lowercase, a safe folder name."""
    base = slugify(feed.title) if feed.title and not slugify(feed.title).startswith("post-") else ""
    if not base:
        host = urlsplit(feed.url).hostname or "feed"
        base = slugify(host.removeprefix("www.").split(".")[0]) or "feed"
    return base[:64].strip("-") or "feed"


def write_opml(sources: Iterable[FeedSource], title: str = "Feeds") -> bytes:
    """An OPML 2.0 document listing ``sources`` in the given order."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
    ]
    for source in sources:
        text = source.title or source.name
        attrs = [("type", "rss"), ("text", text)]
        if source.title:
            attrs.append(("title", source.title))
        attrs += [("name", source.name), ("xmlUrl", source.url)]
        if source.tags:
            attrs.append(("category", ",".join(source.tags)))
        rendered = " ".join(f"{key}={quoteattr(value, {chr(10): '&#10;', chr(13): '&#13;', chr(9): '&#9;'})}" for key, value in attrs)
        lines.append(f"    <outline {rendered}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
