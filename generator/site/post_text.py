"""What a post's text tells a reader: its summary, reading time and share image, and
where its original lives.

Pure functions of an article's rendered HTML (or a URL, or a name): the build cache
remembers their results, so a rebuild measures only what changed. ``assemble.py`` makes
posts with them.
"""

from __future__ import annotations

import html
import math
import re
from urllib.parse import urlsplit

__all__ = ["plain_summary", "first_image", "reading_time", "host_of", "is_named", "WORDS_PER_MINUTE"]

WORDS_PER_MINUTE = 220


def is_named(title: str, name: str) -> bool:
    """Whether ``title`` is just ``name``, maybe with a platform's words before a colon or
    after a dash ("DEV Community: Ann Lee", "Ann Lee – Medium"); "Ann's notes" is not."""
    bare = re.sub(r"^[^:]*:\s+|\s+[-–—|]\s+.*$", "", title.strip())
    return name.strip().casefold() in (title.strip().casefold(), bare.casefold())


def host_of(url: str) -> str:
    """``https://www.Example.org/a`` -> ``example.org`` (punycode in the reader's script)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    try:
        return host.encode("ascii").decode("idna") if "xn--" in host else host
    except UnicodeError:
        return host


def plain_summary(html_text: str, limit: int) -> str:
    """The first paragraph's text, at most ``limit`` characters, cut at a word."""
    match = re.search(r"<p>(.*?)</p>", html_text, re.DOTALL)
    text = match.group(1) if match else html_text
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:.-–—")
    return cut + "…"


_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc=(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def first_image(html_text: str) -> str:
    """The ``src`` of the first image in an article's HTML that a share card can show
    (not a ``data:`` URI), or ""."""
    for match in _IMG_SRC.finditer(html_text):
        src = html.unescape(match.group(2)).strip()
        if src and not src.lower().startswith("data:"):
            return src
    return ""


def reading_time(html_text: str) -> int:
    words = len(re.sub(r"<[^>]+>", " ", html_text).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
