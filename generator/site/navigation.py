"""Moving between pages: the page links a pager shows, and a post's newer and older
neighbours. Pure arithmetic on places in a listing; ``assemble.py`` puts the URLs in.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["pager_window", "reading_neighbours"]


def pager_window(every_page: list[dict[str, Any]], n: int, around: int = 2) -> list[dict[str, Any]]:
    """The page links a pager shows: the first, the last, and ``around`` either side of
    page ``n``, with ``{"gap": True}`` where numbers are left out (1 … 4 5 6 7 8 … 500).
    Made here, not by looping over every page in the template: at 5,000 posts that loop
    ran 250,000 times."""
    shown = sorted({1, len(every_page), *range(max(1, n - around), min(len(every_page), n + around) + 1)})
    window: list[dict[str, Any]] = []
    for number in shown:
        if window and "number" in window[-1] and number > window[-1]["number"] + 1:
            window.append({"gap": True})
        window.append(every_page[number - 1])
    return window


def reading_neighbours(groups: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """For each place of the listing (newest first, ``groups[i]`` the ``source`` of the
    post there, "" for the site's own posts): the places of the next newer and the next
    older post of the same group. Previous/next links stay within a blog, and authored
    posts lead to authored posts, rather than jumping between unrelated blogs."""
    newer: list[int | None] = [None] * len(groups)
    older: list[int | None] = [None] * len(groups)
    last: dict[str, int] = {}
    for i, group in enumerate(groups):
        if group in last:
            newer[i], older[last[group]] = last[group], i
        last[group] = i
    return list(zip(newer, older, strict=True))
