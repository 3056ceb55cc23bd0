"""Deep nesting is made flat before parsing: text, links, images and code of the deep
levels are kept, HTML under the limit is left byte for byte, nothing recurses."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.normalise import convert_body
from generator.normalise.depth import MAX_DEPTH, flatten_deep
from generator.normalise.sanitise import sanitise_html

DEEP = 10_000


def _depth(html: str) -> int:
    """How deep the tree is once the sanitiser (an HTML5 parser) has read it."""
    soup = BeautifulSoup(sanitise_html(html), "html.parser")
    return max((len(list(tag.parents)) for tag in soup.find_all(True)), default=0)


@pytest.mark.parametrize("open_tag, close_tag", [
    ("<div>", "</div>"), ("<ul><li>", "</li></ul>"), ("<blockquote>", "</blockquote>"),
    ("<span><em>", "</em></span>"), ("<table><tr><td>", "</td></tr></table>"), ("<div>", ""), ("<b>", ""),
])
def test_ten_thousand_levels_keep_their_text_links_images_and_code(open_tag, close_tag):
    inner = "<p>deep words <a href='https://x.example/a'>a link</a> <img src='https://x.example/i.png' alt='pic'></p><pre><code>x = 1</code></pre>"
    body = "<p>before</p>" + open_tag * DEEP + inner + close_tag * DEEP + "<p>after</p>"
    markdown = convert_body(body)
    for kept in ("before", "deep words", "[a link](https://x.example/a)", "![pic](https://x.example/i.png)", "x = 1", "after"):
        assert kept in markdown
    assert _depth(flatten_deep(body)) <= MAX_DEPTH + 3  # the flat blocks: p, a, img


def test_deep_levels_become_separate_blocks():
    body = "<div>" * 60 + "<p>one</p><p>two <b>bold</b></p><ul><li>three</li></ul>" + "</div>" * 60
    flat = flatten_deep(body, limit=5)
    assert _depth(flat) <= 7
    assert "bold" in flat and "<b>" not in flat  # formatting past the limit goes, its text stays
    markdown = convert_body(body)
    assert markdown.strip().split("\n\n") == ["one", "two bold", "three"]


def test_script_text_in_the_deep_part_is_dropped_not_kept_as_text():
    body = "<div>" * 60 + "<script>alert('x') <div><div></script><p>kept</p>" + "</div>" * 60
    flat = flatten_deep(body, limit=5)
    assert "alert" not in flat and "kept" in flat


def test_a_link_does_not_run_across_deep_blocks():
    body = "<div>" * 10 + "<a href='https://x.example/'>start<div>middle</div>end</a>" + "</div>" * 10
    flat = flatten_deep(body, limit=3)
    assert flat.count("<a ") == 1 and flat.count("</a>") == 1
    assert "middle" in flat and "end" in flat


# Random trees under the limit, with the end tags HTML lets a writer leave out, comments
# and raw text: the pass must give them back untouched.
_TAGS = ["div", "p", "span", "em", "ul", "li", "ol", "table", "tr", "td", "pre", "code", "a", "blockquote", "b"]
_text = st.text(alphabet="ab <>&;\"'=/-!", max_size=8)


@st.composite
def _tree(draw, depth: int = 0) -> str:
    if depth >= 6 or draw(st.booleans()):
        leaf = draw(st.sampled_from(["text", "img", "br", "comment", "script"]))
        if leaf == "text":
            return draw(_text).replace("<", "&lt;")
        if leaf == "comment":
            return f"<!-- {draw(_text).replace('-->', '')} -->"
        if leaf == "script":
            return f"<script>{draw(_text).replace('</', '')}</script>"
        return {"img": "<img src='x.png' alt=\"a>b\">", "br": "<br>"}[leaf]
    tag = draw(st.sampled_from(_TAGS))
    children = "".join(draw(st.lists(_tree(depth + 1), max_size=3)))
    closed = draw(st.booleans()) or tag not in ("p", "li", "td", "tr")
    return f"<{tag} title='t'>{children}" + (f"</{tag}>" if closed else "")


@settings(max_examples=200, deadline=None)
@given(st.lists(_tree(), max_size=4))
def test_html_under_the_limit_comes_out_byte_for_byte(parts):
    html = "".join(parts)
    assert flatten_deep(html, limit=MAX_DEPTH) == html


@settings(max_examples=100, deadline=None)
@given(st.lists(_tree(), min_size=1, max_size=4), st.integers(min_value=1, max_value=4))
@example(["<tr title='t'>&a</tr>"], 1)
def test_any_html_comes_out_no_deeper_than_the_limit_with_its_text(parts, limit):
    html = "".join(parts)
    flat = flatten_deep(html, limit=limit)
    # A newline after each: html.parser drops the "&" of "&a" at the very end of its input
    # (it waits for the rest of a character reference), which is the oracle's quirk, not ours.
    text = BeautifulSoup(html + "\n", "html.parser").get_text()
    flat_text = BeautifulSoup(flat + "\n", "html.parser").get_text()
    assert set(flat_text.split()) <= set(text.split()) | {"a>b"}
    convert_body(flat)  # never raises


def test_self_closing_svg_and_math_elements_do_not_count_as_nesting():
    # html5ever closes "<path/>" and "<svg/>" (foreign content), but not "<div/>"
    icons = "<svg viewBox='0 0 1 1'><path d='M0'/><path d='M1'/></svg><svg/><math><mi/></math>" * 100
    body = f"<div>{icons}<p>after <b>bold</b></p></div>"
    assert flatten_deep(body) == body
    assert "<b>" not in flatten_deep("<div/>" * 200 + "<p>x <b>b</b></p>")


def test_end_tags_a_writer_left_out_do_not_count_as_nesting():
    # each <a> ends the open one, <li> the open item, <p> the open paragraph, <h2> an open heading
    body = "<div>" + "<a href='/x'>link" * 100 + "<ul>" + "<li>item" * 100 + "</ul>" + "<p>para" * 100 + "<h2>h<h3>h" * 50 + "</div>"
    assert flatten_deep(body) == body
