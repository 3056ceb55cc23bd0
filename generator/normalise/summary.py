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


def _prose_chunks(soup: BeautifulSoup) -> list[str]:
    """The body's paragraphs of prose as text: code, figures, tables, headings, embeds
    and link-only paragraphs left out; ``<br><br>`` separates paragraphs too."""
    copy = BeautifulSoup(str(soup), "html.parser")
    for el in copy.find_all(["pre", "figure", "table", "h1", "h2", "h3", "h4", "h5", "h6", "iframe", "video", "audio", "sup"]):
        el.decompose()
    for para in copy.find_all("p"):
        links = para.find_all("a")
        if len(links) == 1 and links[0].get_text(strip=True) == para.get_text(strip=True):
            para.decompose()
    for br in copy.find_all("br"):
        br.replace_with("\n")
    for block in copy.find_all(["p", "div", "li", "blockquote", "section", "ul", "ol", "dd", "dt"]):
        block.insert_after("\n\n")
    text = copy.get_text()
    return [re.sub(r"\s+", " ", c).strip() for c in re.split(r"\n\s*\n", text) if c.strip()]
