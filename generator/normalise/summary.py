"""Plain-text summaries: the feed's own, else the body's first paragraph, at most
``limit`` characters, cut at a word boundary."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

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
        return shorten(feed_summary, limit)
    for para in soup.find_all("p"):
        if para.find_parent(["blockquote", "figure", "li", "table", "pre"]) is not None:
            continue
        text = para.get_text(" ", strip=True)
        if len(text) >= 20:
            return shorten(text, limit)
    return shorten(soup.get_text(" ", strip=True), limit)
