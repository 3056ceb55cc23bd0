"""Lists: the HTML the wild writes, repaired into the shape browsers show, and the
CommonMark that renders back to the same nesting, numbering and looseness.

``repair_lists`` fixes the tree before conversion: a ``<ul>``/``<ol>`` that is a direct
child of a list (older WordPress and hand-written posts; browsers show it nested) moves
into the item before it; an inline element wrapped around ``<li>`` elements (``<span>``,
``<a>``) is moved inside them; stray text between items joins the item before it, and
text before the first item goes before the list, where browsers show it.

``list_markdown`` writes the items' Markdown blocks as one list: tight items joined by
single newlines (when CommonMark would not merge or swallow a block that way), loose
ones by blank lines, every line indented to the item's content column. ``markdown_start``
says whether CommonMark can number an ``<ol>`` at all (it cannot start at -1, count down
or use letters); when it cannot, the list goes out as raw HTML.
"""

from __future__ import annotations

import re
from itertools import pairwise

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString, PageElement

__all__ = ["repair_lists", "list_start", "markdown_start", "is_loose_html", "tight_join_holds", "list_markdown"]

LIST_TAGS = ("ul", "ol")
# Inline elements whose meaning is kept when they are moved inside each item they wrapped.
FORMATTING = {"a", "b", "strong", "i", "em", "del", "s", "strike", "ins", "u", "mark", "small", "sup", "sub", "code", "kbd"}
MAX_MARKDOWN_START = 999_999_999  # CommonMark: at most nine digits, never negative


def _is_blank(node: PageElement) -> bool:
    return isinstance(node, Comment) or (isinstance(node, NavigableString) and not node.strip())


def _unwrap_around_items(wrapper: Tag, soup: BeautifulSoup) -> None:
    """``<ul><a href><li>x</li></a></ul>`` -> ``<ul><li><a href>x</a></li></ul>``."""
    if wrapper.name in FORMATTING:
        for li in wrapper.find_all("li", recursive=False):
            inner = soup.new_tag(wrapper.name, attrs={key: value if isinstance(value, str) else " ".join(value) for key, value in wrapper.attrs.items()})
            for child in list(li.children):
                inner.append(child.extract())
            li.append(inner)
    wrapper.unwrap()


def _repair_one(lst: Tag, soup: BeautifulSoup) -> None:
    # Wrappers first: what they held becomes direct children, seen by the pass below.
    while True:
        wrappers = [c for c in lst.children if isinstance(c, Tag) and c.name not in ("li", *LIST_TAGS)
                    and c.find("li", recursive=False) is not None]
        if not wrappers:
            break
        for wrapper in wrappers:
            _unwrap_around_items(wrapper, soup)
    current: Tag | None = None
    for child in list(lst.children):
        if isinstance(child, Tag) and child.name == "li":
            current = child
        elif _is_blank(child):
            continue
        elif current is not None:
            current.append(child.extract())
        elif isinstance(child, Tag) and child.name in LIST_TAGS:
            current = soup.new_tag("li")  # browsers show it one level deeper: an item of its own
            child.replace_with(current)
            current.append(child)
        elif isinstance(child, Tag) and child.name == "br":
            child.decompose()
        else:
            lst.insert_before(child.extract())  # text before the first item shows above the list


def repair_lists(root: Tag) -> None:
    """Give every list only ``<li>`` children, keeping all they held (see module doc)."""
    soup = root if isinstance(root, BeautifulSoup) else BeautifulSoup("", "html.parser")
    for lst in root.find_all(LIST_TAGS):
        _repair_one(lst, soup)


def list_start(node: Tag) -> int | None:
    """An ``<ol>``'s first number, or None when its ``start`` is not a number."""
    try:
        return int(str(node.get("start", "1")).strip() or 1)
    except ValueError:
        return None


def markdown_start(node: Tag) -> int | None:
    """The number a CommonMark ordered list would start at, or None when Markdown cannot
    say this list (negative or huge start, ``reversed``, a ``type`` other than 1, items
    with their own ``value``)."""
    start = list_start(node)
    if start is None:
        start = 1
    if not 0 <= start <= MAX_MARKDOWN_START or node.has_attr("reversed") or str(node.get("type", "1")) != "1":
        return None
    if any(li.has_attr("value") for li in node.find_all("li", recursive=False)):
        return None
    return start


def is_loose_html(items: list[Tag]) -> bool:
    """Whether the source list is loose: one of its items holds a paragraph (what every
    Markdown renderer writes for a list with blank lines between items)."""
    return any(isinstance(c, Tag) and c.name == "p" for li in items for c in li.children)


# Blocks that start a new block even right after a paragraph line (CommonMark's
# interrupters): lists, fences, ATX headings, quotes, thematic breaks, HTML block starts.
# An ordered list interrupts a paragraph only when it starts at 1.
INTERRUPTS = re.compile(r"^(-   \S|1\.\s+\S|`{3,}|#{1,6} |>|\* \* \*$|<!--|<(figure|details|table|ol|ul|dl|blockquote|div|p|h[1-6])[\s>])")
# Blocks after which any line starts a new block: fences, headings, thematic breaks,
# the empty comment that keeps two lists apart.
CLOSED = re.compile(r"^(`{3,}|#{1,6} |\* \* \*$|<!-- -->$)")


def tight_join_holds(blocks: list[str]) -> bool:
    """Whether an item's blocks joined by single newlines stay the same blocks."""
    for before, block in pairwise(blocks):
        if CLOSED.match(before):
            continue
        if before.startswith("<") or not INTERRUPTS.match(block):
            return False  # an HTML block runs on to the next blank line; prose would merge
    return True


def list_markdown(item_blocks: list[list[str]], ordered: bool, start: int, loose: bool) -> str:
    """The Markdown of one list whose items hold ``item_blocks``."""
    loose = loose or not all(tight_join_holds(blocks) for blocks in item_blocks)
    if loose and len(item_blocks) == 1 and len(item_blocks[0]) == 1:
        # One item of one paragraph has no blank line to be loose by: an empty comment
        # (shown as nothing) after a blank line makes it so.
        item_blocks = [item_blocks[0] + ["<!-- -->"]]
    lines: list[str] = []
    for n, blocks in enumerate(item_blocks):
        marker = f"{start + n}." if ordered else "-"
        pad = " " * max(4, len(marker) + 1)  # the item's content column ("100. " needs 5)
        text = ("\n\n" if loose else "\n").join(blocks)
        first, *rest = text.split("\n")
        entry = f"{marker}{pad[len(marker):]}{first}" if first else marker
        entry += "".join(f"\n{pad}{line}" if line else "\n" for line in rest)
        lines.append(entry)
    return ("\n\n" if loose else "\n").join(lines)
