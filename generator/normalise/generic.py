"""Clean-up that every body gets, whatever its platform (WordPress, Medium, Blogger,
Substack, Squarespace and any other feed).

It owns the quirks that are not one platform's: tracking pixels (Medium's
``/_/stat``, FeedBurner's ``~r`` beacons, 1x1 images), ``<a href="#">`` wrappers
(lightboxes), FeedBurner flare and Substack's subscribe widgets. An image linked to its
full-size copy (Substack, Forem, WordPress) keeps its link. The markup of documentation
generators (captions, callouts, tabs) is ``docs.py``'s.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from generator.htmlattrs import attr
from generator.normalise.docs import clean_docs
from generator.normalise.treeops import remove_all, unwrap_all

__all__ = ["CHROME", "clean_generic", "is_tracking_pixel"]

# FeedBurner's share links and Substack's subscribe/share widgets and buttons.
CHROME = "div.feedflare, .subscription-widget-wrap, .subscription-widget, .share-dialog, p.button-wrapper"

PIXEL_URL = re.compile(r"/_/stat\?|feeds\.feedburner\.com/~r/|/~ff/|pixel\.wp\.com|/tracking/|/open\.gif|stats\.wordpress\.com|/beacon", re.I)


def is_tracking_pixel(img: Tag) -> bool:
    """A 1x1 image or an image from a known analytics endpoint."""
    src = attr(img, "src")
    tiny = attr(img, "width").strip() in ("0", "1") and attr(img, "height").strip() in ("0", "1")
    return tiny or bool(PIXEL_URL.search(src))


def clean_generic(soup: BeautifulSoup, title: str = "") -> None:
    """Apply the platform-independent clean-up to ``soup`` in place."""
    # all at once (treeops): one by one, each edit scans its parent's children
    remove_all(img for img in soup.find_all("img") if is_tracking_pixel(img))
    unwrap_all(link for link in soup.find_all("a") if attr(link, "href").strip() in ("", "#"))
    clean_docs(soup)
    # FeedBurner share links and Substack's subscribe/share widgets are chrome, not content.
    remove_all(soup.select(CHROME))
