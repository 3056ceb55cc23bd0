"""Tree edits in linear time.

bs4 finds an element among its siblings for every ``unwrap``, ``extract`` or
``decompose`` (a scan of the parent's children), so a clean-up loop over a paragraph of
50,000 ``<a href="#">`` took time quadratic in its size. These functions take every
element to edit at once, find each one's position in one pass over each parent, and edit
from the last element to the first: an edit only moves what comes after it, so the
positions found stay true.
"""

from __future__ import annotations

from typing import Iterable

from bs4 import Tag

__all__ = ["unwrap_all", "remove_all"]


def _positions(tags: Iterable[Tag]) -> list[tuple[Tag, Tag, int]]:
    """Each element (in document order) with its parent and its index in the parent's children."""
    by_parent: dict[int, dict[int, int]] = {}
    found = []
    seen: set[int] = set()
    for tag in tags:
        parent = tag.parent
        if parent is None or id(tag) in seen:
            continue
        seen.add(id(tag))
        index = by_parent.get(id(parent))
        if index is None:
            index = by_parent[id(parent)] = {id(child): n for n, child in enumerate(parent.contents)}
        found.append((tag, parent, index[id(tag)]))
    return found


def unwrap_all(tags: Iterable[Tag]) -> None:
    """Replace each of ``tags`` (in document order) by its children."""
    for tag, parent, index in reversed(_positions(tags)):
        tag.extract(_self_index=index)
        children = tag.contents
        for n in range(len(children) - 1, -1, -1):
            parent.insert(index, children[n].extract(_self_index=n))


def remove_all(tags: Iterable[Tag]) -> None:
    """Remove each of ``tags`` (in document order) with everything inside it."""
    for tag, _parent, index in reversed(_positions(tags)):
        tag.extract(_self_index=index).decompose()
