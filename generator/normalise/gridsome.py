"""Markdown bodies (Gridsome's and Gatsby's feed plugins put Markdown in
``content:encoded``): parsed as CommonMark with markdown-it-py, so indented fences
and two-space nested lists survive, then handled like any HTML body (sanitised,
cleaned, converted back to Markdown the site's renderer understands). Relative
``/images/...`` URLs resolve against the item's link like every other URL.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

__all__ = ["markdown_to_html", "clean_gridsome"]


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").use(footnote_plugin)


def markdown_to_html(text: str) -> str:
    """CommonMark (with raw HTML, tables, strikethrough and footnotes) -> HTML."""
    html: str = _parser().render(text)  # markdown-it types render() as Any: its renderer is pluggable
    return html


def clean_gridsome(soup: BeautifulSoup, title: str = "") -> None:
    """Gridsome needs nothing beyond the generic clean-up (lightbox ``href="#"`` links
    are unwrapped there); kept so every platform has its own entry point."""
    for link in soup.select("a.lightbox"):
        if link.find("img") is not None:
            link.unwrap()
