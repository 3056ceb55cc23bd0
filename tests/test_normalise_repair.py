"""Formatting wrapped around blocks, task-list boxes, no-break spaces."""

from __future__ import annotations

from bench.fidelity import render
from generator.normalise import convert_body


def rendered(html: str):
    return render(convert_body(html, "html", "https://blog.example/post/"))


def test_formatting_around_paragraphs_reaches_each_paragraph():
    html = rendered("<strong><p>one</p><p>two</p></strong><del><p>old</p><ul><li>gone</li></ul></del><ins><p>new</p></ins>")
    assert [s.get_text() for s in html.find_all("strong")] == ["one", "two"]
    assert [d.get_text() for d in html.find_all("del")] == ["old", "gone"]
    assert html.find("ins").get_text() == "new"
    assert html.find("p").find("strong") is not None


def test_formatting_around_code_leaves_the_code_alone():
    html = rendered("<em><pre><code>a *b*</code></pre><p>after</p></em>")
    assert html.find("code").get_text() == "a *b*\n"
    assert html.find("em").get_text() == "after"


def test_task_list_boxes_show_done_and_open():
    html = rendered('<ul><li><input type="checkbox" checked disabled> done</li><li><input type="checkbox"> open</li>'
                    '<li>no box</li></ul><p><input type="text" value="x">field</p>')
    boxes = html.find_all("input")
    assert [(b.get("type"), b.has_attr("checked"), b.has_attr("disabled")) for b in boxes] == [
        ("checkbox", True, True), ("checkbox", False, True)]
    assert [li.get_text(strip=True) for li in html.find_all("li")] == ["done", "open", "no box"]


def test_no_break_spaces_are_kept_outside_code():
    html = rendered("<p>10&nbsp;km</p><p>&nbsp;&nbsp;&nbsp;&nbsp;indented line</p><p>&nbsp;</p><p>end</p>")
    texts = [p.get_text() for p in html.find_all("p")]
    assert texts == ["10\xa0km", "\xa0\xa0\xa0\xa0indented line", "end"]
