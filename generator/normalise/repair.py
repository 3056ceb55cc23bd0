"""Tree repairs before conversion, for structure Markdown cannot say as written.

Inline formatting wrapped around blocks (``<strong><p>..</p><p>..</p></strong>``,
``<del>`` around a list, ``<ins>`` around a paragraph: browsers show every paragraph
inside as bold, struck or inserted) is pushed down into each block's inline content, so
that each paragraph carries its own ``**``/``<del>``. Code blocks keep their bytes.

Task-list checkboxes (``<li><input type="checkbox" checked>``) are read here: the
sanitiser keeps only checkbox inputs; ``task_state`` says whether an item is a task and
whether it is done, and takes its box out so the converter can write GFM's ``[x]``.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement

__all__ = ["FORMATTING_TAGS", "push_formatting_into_blocks", "task_state"]

FORMATTING_TAGS = ("strong", "b", "em", "i", "del", "s", "strike", "ins", "u", "mark", "small")
# Blocks whose children are inline content: the formatting goes around their children.
LEAF_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "figcaption", "dt", "dd", "summary", "caption"}
# Blocks the formatting never enters.
OPAQUE = {"pre", "hr", "iframe", "video", "audio", "img", "br"}


def _wrap(children: list[PageElement], fmt: Tag, soup: BeautifulSoup) -> None:
    """Wrap ``children`` (siblings in a row) in a copy of ``fmt``."""
    if not any(not isinstance(c, NavigableString) or c.strip() for c in children):
        return
    wrapper = soup.new_tag(fmt.name, attrs={key: value if isinstance(value, str) else " ".join(value) for key, value in fmt.attrs.items()})
    children[0].insert_before(wrapper)
    for child in children:
        wrapper.append(child.extract())


def _push(fmt: Tag, container: Tag, blocks: set[str], soup: BeautifulSoup) -> None:
    run: list[PageElement] = []
    for child in list(container.children):
        if isinstance(child, Tag) and (child.name in blocks or child.name in OPAQUE or child.name in LEAF_BLOCKS):
            _wrap(run, fmt, soup)
            run = []
            if child.name in OPAQUE:
                continue
            has_blocks = any(isinstance(d, Tag) and d.name in blocks for d in child.descendants)
            if child.name in LEAF_BLOCKS and not has_blocks:
                _wrap(list(child.children), fmt, soup)
            else:
                _push(fmt, child, blocks, soup)
        else:
            run.append(child)
    _wrap(run, fmt, soup)


def push_formatting_into_blocks(root: Tag, blocks: set[str]) -> None:
    """Move every formatting element that wraps blocks into those blocks (innermost first)."""
    soup = root if isinstance(root, BeautifulSoup) else BeautifulSoup("", "html.parser")
    for fmt in reversed(root.find_all(FORMATTING_TAGS)):
        if fmt.parent is None or not any(isinstance(d, Tag) and d.name in blocks for d in fmt.descendants):
            continue
        _push(fmt, fmt, blocks, soup)
        fmt.unwrap()


def task_state(li: Tag) -> bool | None:
    """None when ``li`` is no task; else whether it is done. Its checkbox is removed."""
    box = li.find("input")
    if box is None or box.find_parent("li") is not li:
        return None
    before = []
    for node in box.previous_elements:
        if node is li:
            break
        before.append(node)
    if any(isinstance(n, NavigableString) and n.strip() for n in before):
        return None  # a box in the middle of the text is not the item's
    done = box.has_attr("checked")
    box.decompose()
    return done
