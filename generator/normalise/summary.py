"""Plain-text summaries: the feed's own, else the body's first paragraph, at most
``limit`` characters, cut at a word boundary."""

from __future__ import annotations

import re
from typing import Iterator

from bs4 import BeautifulSoup, CData, Tag
from bs4.element import NavigableString, PageElement

__all__ = ["make_summary", "shorten"]

SUMMARY_LIMIT = 300


def shorten(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """``text`` with collapsed whitespace, cut at a word and ended with "…" when too long."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,;:.-–—") + "…"


def make_summary(feed_summary: str, soup: BeautifulSoup, limit: int = SUMMARY_LIMIT) -> str:
    """The feed's summary when it has one, else the first paragraph of prose."""
    if feed_summary.strip():
        return _mark_cut(shorten(feed_summary, limit), soup)
    chunks = _prose_chunks(soup)
    for chunk in chunks:
        if len(chunk) >= 20:
            return shorten(chunk, limit)
    return shorten(" ".join(chunks), limit)


def _mark_cut(summary: str, soup: BeautifulSoup) -> str:
    """Add "…" to a feed's summary that stops mid-sentence where the article goes on
    (Ghost and WordPress cut their automatic excerpts at a word count, with no mark)."""
    if not summary or summary.endswith(("…", ".", "!", "?", ":", ";", '"', "”", "’", ")", "]")):
        return summary
    body = re.sub(r"\s+", " ", soup.get_text(" ")).strip()
    position = body.find(summary)
    return summary + "…" if position >= 0 and len(body) > position + len(summary) + 1 else summary


DROPPED = frozenset(("pre", "figure", "table", "h1", "h2", "h3", "h4", "h5", "h6", "iframe", "video", "audio", "sup"))
PARAGRAPH_ENDS = frozenset(("p", "div", "li", "blockquote", "section", "ul", "ol", "dd", "dt"))
TEXT_TYPES = (NavigableString, CData)  # what get_text() reads: not comments or doctypes
_END = object()  # marks, on the walk's stack, where a block element ends


def _prose_chunks(soup: Tag) -> list[str]:
    """The body's paragraphs of prose as text: code, figures, tables, headings, embeds
    and link-only paragraphs left out; ``<br><br>`` separates paragraphs too.

    One walk over the tree with a stack, changing nothing: removing elements from a copy
    (bs4 finds each among its siblings) took time quadratic in the body's size, and
    recursion would fail on a deeply nested body."""
    pieces: list[str] = []
    stack: list[object] = list(reversed(soup.contents))
    while stack:
        node = stack.pop()
        if node is _END:
            pieces.append("\n\n")
        elif isinstance(node, Tag):
            if node.name in DROPPED or (node.name == "p" and _link_only(node)):
                continue
            if node.name == "br":
                pieces.append("\n")
                continue
            if node.name in PARAGRAPH_ENDS:
                stack.append(_END)
            stack.extend(reversed(node.contents))
        elif type(node) in TEXT_TYPES:
            pieces.append(str(node))
    text = "".join(pieces)
    return [re.sub(r"\s+", " ", c).strip() for c in re.split(r"\n\s*\n", text) if c.strip()]


def _visible(node: Tag) -> Iterator[PageElement]:
    """``node``'s descendants in document order, without the dropped elements' subtrees."""
    stack: list[PageElement] = list(reversed(node.contents))
    while stack:
        child = stack.pop()
        if isinstance(child, Tag):
            if child.name in DROPPED:
                continue
            stack.extend(reversed(child.contents))
        yield child


def _stripped_text(node: Tag) -> str:
    """``get_text(strip=True)`` of ``node`` without the dropped elements."""
    return "".join(str(s).strip() for s in _visible(node) if type(s) in TEXT_TYPES)


def _link_only(para: Tag) -> bool:
    """A paragraph that is one link and nothing else (a "read more", an embed's fallback)."""
    links = [n for n in _visible(para) if isinstance(n, Tag) and n.name == "a"]
    return len(links) == 1 and _stripped_text(links[0]) == _stripped_text(para)
