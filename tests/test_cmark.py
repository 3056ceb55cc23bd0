"""cmark.py: the same HTML as cmarkgfm's own function, and no C memory lost per call."""

from __future__ import annotations

import sys
from pathlib import Path

import cmarkgfm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site import cmark
from generator.site.markup import _EXTENSIONS, _OPTIONS

PIECES = ["# ", "## Title\n", "*", "**", "_", "`", "```py\n", "```\n", "~~~\n", "    code\n", "- ", "1. ", "> ", "| a | b |\n", "|---|:-:|\n",
          "[x]", "(http://e.x)", "![i](p.png)", "<div>", "</div>", "<b>", "&amp;", "&", "[^1]", "[^1]: note\n", "- [ ] ", "- [x] ", "\\", "\n", "\n\n",
          "text ", "é", "名", "\t", "<!-- c -->", "***\n", "www.example.com", "\x00"]


@settings(max_examples=150, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_same_html_as_cmarkgfm(text):
    expected = cmarkgfm.markdown_to_html_with_extensions(text, options=_OPTIONS, extensions=_EXTENSIONS)
    assert cmark.markdown_to_html(text, _OPTIONS, _EXTENSIONS) == expected


def test_the_leak_is_freed_here_not_skipped():
    assert cmark._freers() is not None  # on Linux both functions are found: the fast path is the one tested


def test_unknown_extension_is_an_error():
    with pytest.raises(ValueError):
        cmark.markdown_to_html("x", _OPTIONS, ["no-such-extension"])


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_rendering_many_posts_does_not_grow_memory():
    # cmarkgfm's own function loses the tree and the HTML of every call (about 35 KB for
    # this text): 2,000 calls would grow the process by some 70 MB.
    text = "## Heading\n\n" + "A paragraph with `code`, *emphasis* and a [link](https://example.org/).\n\n" * 40 + "| a | b |\n|---|---|\n| 1 | 2 |\n"
    for _ in range(200):  # settle the allocator
        cmark.markdown_to_html(text, _OPTIONS, _EXTENSIONS)
    before = _resident_mb()
    for _ in range(2000):
        cmark.markdown_to_html(text, _OPTIONS, _EXTENSIONS)
    assert _resident_mb() - before < 8
