"""Text from feeds made fit for a page, a feed or front matter.

Both halves of the pipeline need it: parsing reduces a feed's titles and authors to plain
text, and normalising does the same for the fields it derives from bodies.
"""

from __future__ import annotations

import html
import re

__all__ = ["UNWRITABLE", "plain_text", "writable"]

TAG = re.compile(r"<[^>]*>")
# What text in front matter cannot hold (content/frontmatter.py refuses it): C0 controls but tab and
# newlines, DEL, the non-characters U+FFFE/U+FFFF and lone surrogates. Feed text loses them.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def plain_text(value: str | None) -> str:
    """Text with tags stripped and entities unescaped, whitespace collapsed."""
    if not value:
        return ""
    text = TAG.sub(" ", value) if "<" in value else value
    text = html.unescape(html.unescape(text)) if "&" in text else text
    text = TAG.sub(" ", text) if "<" in text and re.search(r"<[a-zA-Z/!]", text) else text
    text = writable(text)
    return re.sub(r"\s+", " ", text).strip()


def writable(text: str) -> str:
    """``text`` without what a page, a feed or front matter cannot carry (see UNWRITABLE)."""
    return UNWRITABLE.sub("", text)
