"""What CommonMark reads as markup, for the HTML -> Markdown converter.

Prose must render as itself: ``escape_text`` escapes what would start inline markup and
``escape_line_start`` what means something first on a line (headings, lists, quotes,
thematic breaks, table delimiter rows). Emphasis delimiters work only where
CommonMark's flanking rules let them open and close: ``neighbour`` says what a tag's
Markdown touches, so the converter can fall back to a raw ``<em>``. ``join_inline`` and
``separate_blocks`` put pieces together without them running into each other.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import Comment, Tag
from bs4.element import NavigableString

__all__ = ["RAW_INLINE", "EMPHASIS", "escape_text", "escape_line_start", "char_kind", "neighbour", "join_inline", "separate_blocks"]

RAW_INLINE = {"sup", "sub", "del", "s", "strike", "ins", "u", "mark", "kbd", "abbr", "small", "q", "cite", "dfn", "var", "samp"}


def escape_text(text: str) -> str:
    """Escape the characters that would turn prose into Markdown markup (inline level)."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*`\[\]|])", r"\\\1", text)
    # "_" between letters or digits (snake_case) is never emphasis; anywhere else it may be.
    text = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", text)
    text = text.replace("{", "\\{")  # the renderer reads {: z} after images and headings as attributes
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    return text.replace("<", "&lt;")


EMPHASIS = {"em", "i", "strong", "b"}
_TRANSPARENT = {"span", "font"}  # inline tags that add no Markdown of their own


def char_kind(char: str | None) -> str:
    """CommonMark's classes for flanking: "space" (or a line's edge), "punct", "other"."""
    if char is None or char.isspace():
        return "space"
    return "punct" if unicodedata.category(char)[0] in "PS" else "other"


def neighbour(node: Tag, forward: bool) -> str:
    """What the Markdown of ``node`` touches on one side, within its block: "emphasis",
    or the kind of character (see ``char_kind``)."""
    current = node
    while True:
        sibling = current.next_sibling if forward else current.previous_sibling
        while sibling is not None:
            if isinstance(sibling, Comment):
                pass
            elif isinstance(sibling, NavigableString):
                text = re.sub(r"\s+", " ", str(sibling))
                if text:
                    return char_kind(text[0] if forward else text[-1])
            elif not isinstance(sibling, Tag):
                pass  # bs4 has no third kind of node: this only tells the type checker
            elif sibling.name in EMPHASIS:
                return "emphasis"
            elif sibling.name == "br":
                return "space"
            elif sibling.name not in _TRANSPARENT:
                return "punct"  # a link, image, code span or raw tag starts and ends with punctuation
            else:
                text = re.sub(r"\s+", " ", sibling.get_text())
                if text:
                    return char_kind(text[0] if forward else text[-1])
            sibling = sibling.next_sibling if forward else sibling.previous_sibling
        parent = current.parent
        if parent is not None and parent.name in EMPHASIS:
            return "emphasis"  # its own delimiters touch ours
        if parent is None or parent.name not in _TRANSPARENT | RAW_INLINE | {"a"}:
            return "space"  # the edge of the block
        if parent.name not in _TRANSPARENT:
            return "punct"  # a link's "[" or "]", a raw tag's "<sup>" or "</sup>"
        current = parent


def escape_line_start(line: str) -> str:
    """Escape what only means something at the start of a line (headings, lists, quotes)."""
    stripped = line.lstrip(" ")
    if re.match(r"^=+\s*(<br>)?$", stripped):
        return "&#61;" + stripped[1:]  # "=" has no backslash escape; a setext underline would make a heading
    if re.match(r"^(#|>|[-+*](\s|$|<br>)|:?-+:?\s*(<br>)?$)", stripped) or re.match(r"^([-*_])(\s*\1){2,}\s*(<br>)?$", stripped):
        # a heading, quote, list item, setext underline, table delimiter row (":-"),
        # or a thematic break ("- - -", "_ _ _")
        return "\\" + stripped
    if stripped.startswith("~~~"):
        return "&#126;" + stripped[1:]
    match = re.match(r"^(\d+)([.)])(\s|$|<br>)", stripped)  # a hard break ends the line too
    if match:
        return f"{match.group(1)}\\{stripped[len(match.group(1)):]}"
    return stripped


def _kind(block: str) -> str:
    if block.startswith(">"):
        return "quote"
    if re.match(r"^-\s", block):
        return "ul"
    if re.match(r"^\d+\.\s", block):
        return "ol"
    return ""


def separate_blocks(blocks: list[str]) -> list[str]:
    """Two quotes (or two lists of one kind) in a row would merge into one in Markdown:
    an empty HTML comment between them keeps them apart."""
    out: list[str] = []
    for block in blocks:
        if out and _kind(block) and _kind(block) == _kind(out[-1]):
            out.append("<!-- -->")
        out.append(block)
    return out


def join_inline(pieces: list[str]) -> str:
    """Inline Markdown pieces in a row; a "!" that ends one before a link would make it an
    image (``Wow![link](...)``), so it is escaped."""
    pieces = [piece for piece in pieces if piece]
    for i in range(1, len(pieces)):
        before = pieces[i - 1]
        escaped = (len(before) - 1 - len(before[:-1].rstrip("\\"))) % 2 == 1  # an odd run of "\\" before it
        if pieces[i].startswith("[") and before.endswith("!") and not escaped:
            pieces[i - 1] = before[:-1] + "\\!"
    return "".join(pieces)
