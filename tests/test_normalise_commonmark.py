"""normalise/commonmark.py: what CommonMark would read as markup, piece by piece."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from generator.normalise.commonmark import char_kind, escape_line_start, join_inline, neighbour


@pytest.mark.parametrize("char, kind", [(None, "space"), (" ", "space"), ("\n", "space"), ("a", "other"), ("7", "other"),
                                         ("é", "other"), (".", "punct"), ("\u201c", "punct"), ("$", "punct"), ("€", "punct")])
def test_characters_are_classed_as_the_flanking_rules_class_them(char, kind):
    assert char_kind(char) == kind


@pytest.mark.parametrize(
    "html, before, after",
    [
        ("<p><em>x</em></p>", "space", "space"),
        ("<p>a<em>x</em>.</p>", "other", "punct"),
        ("<p>(<span>a</span><em>x</em><span> b</span></p>", "other", "space"),
        ("<p><strong>a</strong><em>x</em></p>", "emphasis", "space"),
        ("<p><strong><em>x</em></strong></p>", "emphasis", "emphasis"),
        ('<p><a href="/">go <em>x</em></a>!</p>', "space", "punct"),
        ("<p>a<br><em>x</em><code>c</code></p>", "space", "punct"),
    ],
)
def test_a_tags_neighbours_are_what_its_markdown_touches(html, before, after):
    em = BeautifulSoup(html, "html.parser").find("em")
    assert (neighbour(em, forward=False), neighbour(em, forward=True)) == (before, after)


@pytest.mark.parametrize(
    "pieces, joined",
    [
        (["Wow!", "[x](u)"], "Wow\\![x](u)"),
        (["Wow!", "", "[x](u)"], "Wow\\![x](u)"),
        (["Wow\\!", "[x](u)"], "Wow\\![x](u)"),  # already escaped
        (["a\\\\!", "[x](u)"], "a\\\\\\![x](u)"),  # an escaped backslash, then a bare "!"
        (["Wow!", " [x](u)"], "Wow! [x](u)"),
    ],
)
def test_a_bang_before_a_link_is_escaped(pieces, joined):
    assert join_inline(pieces) == joined


@pytest.mark.parametrize(
    "line, escaped",
    [("# x", "\\# x"), ("1) x", "1\\) x"), ("2. x", "2\\. x"), (":--", "\\:--"), ("--:", "\\--:"), ("==", "&#61;="),
     ("~~~", "&#126;~~"), ("+ x", "\\+ x"), ("plain", "plain"), ("-x", "-x"),
     ("+<br>", "\\+<br>"), ("*<br>", "\\*<br>"), ("3)<br>", "3\\)<br>")],  # a marker alone before a hard break
)
def test_line_starts_that_mean_markup_are_escaped(line, escaped):
    assert escape_line_start(line) == escaped
