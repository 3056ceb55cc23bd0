"""Clean-up for Forem (dev.to, forem.com) bodies.

Forem's feed carries the page's markup: heading anchors (whitespace and empty ``<a>``),
``a.article-body-image-wrapper`` around every image (a link to the full-size copy, kept), ``div.highlight > pre.highlight
<lang> > code`` blocks (the language is a class of the ``pre``; ``plaintext`` means
none) with a "fullscreen" control panel, and liquid-tag embeds (``div.ltag__*``) that
are turned into plain links. No platform chrome survives.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from generator.htmlattrs import attr

__all__ = ["clean_forem"]

CHROME_TEXT = re.compile(r"^\s*(Enter fullscreen mode|Exit fullscreen mode|\d+\s+comments?|Add comment|Subscribe)\s*$", re.I)
CHROME_CLASSES = ("highlight__panel", "js-fullscreen-code-action", "crayons-btn", "comments-count", "reaction")


def _is_liquid_tag(el: Tag) -> bool:
    return any(c.startswith(("ltag", "liquid")) for c in el.get("class") or [])


def _liquid_to_link(el: Tag, soup: BeautifulSoup) -> None:
    """Replace a liquid embed (GitHub repo, user card, link card) with a paragraph link."""
    link = el.find("a", href=True)
    if link is None:
        el.decompose()
        return
    heading = el.find(["h1", "h2", "h3", "h4"]) or el.select_one("[class*=title]")
    href = attr(link, "href")
    text = (heading or link).get_text(" ", strip=True) or href
    para = soup.new_tag("p")
    anchor = soup.new_tag("a", href=href)
    anchor.string = re.sub(r"\s+", " ", text)
    para.append(anchor)
    el.replace_with(para)


def clean_forem(soup: BeautifulSoup, title: str = "") -> None:
    """Apply Forem's clean-up to ``soup`` in place."""
    for el in soup.find_all(class_=lambda c: c and any(x in c for x in CHROME_CLASSES)):
        el.decompose()
    for text in soup.find_all(string=CHROME_TEXT):
        parent = text.parent
        if parent is not None and parent.name not in ("pre", "code") and CHROME_TEXT.match(parent.get_text()):
            parent.decompose()
    for anchor in soup.select("h1 a, h2 a, h3 a, h4 a, h5 a, h6 a"):
        if not anchor.get_text(strip=True) and anchor.find("img") is None:
            anchor.decompose()
    for el in soup.find_all(_is_liquid_tag):
        if el.parent is not None:
            _liquid_to_link(el, soup)
