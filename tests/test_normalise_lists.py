"""Lists the wild writes: nested lists outside items, items inside stray inline
elements, numbering CommonMark cannot say, loose and tight items, code in items."""

from __future__ import annotations

from bench.fidelity import render
from generator.normalise import convert_body
from generator.normalise.lists import list_markdown, tight_join_holds


def rendered(html: str):
    return render(convert_body(html, "html", "https://blog.example/post/"))


def _items(lst) -> list[str]:
    return [li.find(string=True).strip() for li in lst.find_all("li", recursive=False)]


def test_list_directly_inside_a_list_nests_under_the_item_before_it():
    html = rendered("<ul><li>one</li><ul><li>inner<pre><code>x = 1\n\ny</code></pre></li></ul><li>two</li></ul>")
    outer = html.find("ul")
    assert _items(outer) == ["one", "two"]
    inner = outer.find("li").find("ul")
    assert _items(inner) == ["inner"]
    assert inner.find("code").get_text() == "x = 1\n\ny\n"


def test_list_first_inside_a_list_gets_an_item_of_its_own():
    html = rendered("<ol><ol><li>deep</li></ol><li>after</li></ol>")
    outer = html.find("ol")
    assert len(outer.find_all("li", recursive=False)) == 2
    assert outer.find("li").find("ol").get_text(strip=True) == "deep"


def test_item_wrapped_in_an_inline_element_keeps_its_text_and_link():
    html = rendered('<ul><span><li>plain</li></span><a href="/x"><li>linked</li></a><li>last</li></ul>')
    items = html.find("ul").find_all("li")
    assert [li.get_text() for li in items] == ["plain", "linked", "last"]
    assert items[1].find("a")["href"] == "https://blog.example/x"


def test_stray_text_between_items_joins_the_item_before():
    html = rendered("<ul><li>a</li> and more <li>b</li></ul>")
    assert [li.get_text(" ", strip=True) for li in html.find_all("li")] == ["a and more", "b"]


def test_text_before_the_first_item_stays_above_the_list():
    html = rendered("<ul>heading text<br><li>a</li><li>b</li></ul>")
    assert html.find("p").get_text() == "heading text"
    assert [li.get_text() for li in html.find_all("li")] == ["a", "b"]


def test_negative_start_reversed_and_lettered_lists_stay_numbered_lists():
    for source, attrs in [('<ol start="-1">', {"start": "-1"}), ('<ol reversed start="3">', {"start": "3", "reversed": ""}),
                          ('<ol type="a">', {"type": "a"}), ('<ol start="1000000000">', {"start": "1000000000"})]:
        html = rendered(f"{source}<li>x</li><li>y</li></ol>")
        ol = html.find("ol")
        assert ol is not None, source
        assert {k: ol.get(k) for k in attrs} == attrs
        assert [li.get_text(strip=True) for li in ol.find_all("li")] == ["x", "y"]


def test_item_value_is_kept():
    ol = rendered('<ol><li>a</li><li value="7">b</li></ol>').find("ol")
    assert ol.find_all("li")[1]["value"] == "7"


def test_loose_list_stays_loose_and_tight_list_with_code_stays_tight():
    loose = rendered("<ul><li><p>a</p></li><li><p>b</p></li></ul>")
    assert [li.find("p").get_text() for li in loose.find_all("li")] == ["a", "b"]
    tight = rendered('<ul><li>run<pre><code class="language-sh">make</code></pre></li><li>done</li></ul>')
    assert tight.find("li").find("p") is None and tight.find_all("li")[1].find("p") is None
    assert tight.find("code", class_="language-sh").get_text() == "make\n"


def test_loose_list_of_one_item_stays_loose():
    html = rendered("<ol><li><p>only</p></li></ol><ul><li>tight</li></ul>")
    assert html.find("ol").find("li").find("p").get_text() == "only"
    assert html.find("ul").find("li").find("p") is None


def test_tight_item_with_two_paragraphs_goes_loose_rather_than_merging():
    html = rendered("<ul><li>first<div>second</div></li></ul>")
    assert [p.get_text() for p in html.find("li").find_all("p")] == ["first", "second"]


def test_code_in_deep_items_keeps_tabs_and_blank_lines():
    code = "\tindented\n\n  two\ttabs\t"
    html = rendered(f"<ol start=\"100\"><li>x<ul><li>y<pre><code>{code}</code></pre></li></ul></li></ol>")
    assert html.find("code").get_text() == code + "\n"


def test_tight_join_rules():
    assert tight_join_holds(["text", "-   nested"])
    assert tight_join_holds(["text", "```\ncode\n```", "more"])
    assert not tight_join_holds(["text", "more"])  # would merge into one paragraph
    assert not tight_join_holds(["-   nested", "text"])  # would be a lazy continuation
    assert not tight_join_holds(["text", "4.  four"])  # only 1. interrupts a paragraph
    assert list_markdown([["a"], ["b"]], True, 9, False) == "9.  a\n10. b"
