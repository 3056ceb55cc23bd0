"""Clean-up that every body gets, whatever its platform (WordPress, Medium, Blogger,
Substack, Squarespace and any other feed).

It owns the quirks that are not one platform's: tracking pixels (Medium's
``/_/stat``, FeedBurner's ``~r`` beacons, 1x1 images), ``<a href="#">`` wrappers
(lightboxes), WordPress ``div.wp-caption`` figures, and empty inline wrappers.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

__all__ = ["clean_generic", "is_tracking_pixel"]

PIXEL_URL = re.compile(r"/_/stat\?|feeds\.feedburner\.com/~r/|/~ff/|pixel\.wp\.com|/tracking/|/open\.gif|stats\.wordpress\.com|/beacon", re.I)


def is_tracking_pixel(img: Tag) -> bool:
    """A 1x1 image or an image from a known analytics endpoint."""
    src = img.get("src", "") or ""
    tiny = str(img.get("width", "")).strip() in ("0", "1") and str(img.get("height", "")).strip() in ("0", "1")
    return tiny or bool(PIXEL_URL.search(src))


def _wp_caption_to_figure(soup: BeautifulSoup) -> None:
    for box in soup.select("div.wp-caption, div.wp-block-image"):
        caption = box.select_one(".wp-caption-text, figcaption")
        if box.find("img") is None:
            continue
        box.name = "figure"
        if caption is not None:
            caption.name = "figcaption"


def clean_generic(soup: BeautifulSoup, title: str = "") -> None:
    """Apply the platform-independent clean-up to ``soup`` in place."""
    for img in soup.find_all("img"):
        if is_tracking_pixel(img):
            img.decompose()
    for link in soup.find_all("a"):
        href = (link.get("href") or "").strip()
        if href in ("", "#"):
            link.unwrap()
    _wp_caption_to_figure(soup)
    for div in soup.select("div.feedflare"):
        div.decompose()
