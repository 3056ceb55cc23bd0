"""Feed discovery: the feeds a web page advertises with ``<link rel="alternate">``.

``feeds add`` takes whatever URL the user has at hand; when it is a home page rather
than a feed, the page's ``<head>`` usually names its feeds. Atom and RSS are preferred
over JSON Feed (both are understood), and comment feeds come last.
"""

from __future__ import annotations

from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from generator.htmlattrs import attr, attr_words

__all__ = ["FEED_TYPES", "discover_feeds", "looks_like_html"]

FEED_TYPES = {
    "application/atom+xml": 0,
    "application/rss+xml": 0,
    "application/rdf+xml": 1,
    "application/feed+json": 2,
    "application/json": 3,
}


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """A web page rather than a feed; the body wins over a mislabelled Content-Type."""
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    if head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf", b"{")):
        return False
    return "html" in content_type.lower()


def discover_feeds(html: bytes | str, page_url: str) -> list[str]:
    """Absolute feed URLs advertised by a page, best first, without duplicates."""
    soup = BeautifulSoup(html, "html.parser")
    found: list[tuple[int, int, str]] = []
    base_tag = soup.find("base", href=True)
    base = urljoin(page_url, attr(base_tag, "href")) if isinstance(base_tag, Tag) else page_url
    for position, link in enumerate(soup.find_all("link", href=True)):
        rels = [r.lower() for r in attr_words(link, "rel")]
        kind = attr(link, "type").split(";")[0].strip().lower()
        if "alternate" not in rels or kind not in FEED_TYPES:
            continue
        rank = FEED_TYPES[kind]
        title = attr(link, "title").lower()
        href = attr(link, "href")
        if "comment" in title or "comment" in href.lower():
            rank += 10
        found.append((rank, position, urljoin(base, href.strip())))
    return list(dict.fromkeys(url for _, _, url in sorted(found)))
