"""Tables: pipes in code, alignment, and tables GFM cannot express (spans, row headers,
blocks in cells) keeping their structure."""

from __future__ import annotations

from bench.fidelity import render
from generator.normalise import convert_body


def rendered(html: str):
    return render(convert_body(html, "html", "https://blog.example/post/"))


def _rows(table) -> list[list[str]]:
    return [[" ".join(c.get_text().split()) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]


def test_pipe_in_inline_code_stays_in_its_cell():
    html = rendered("<table><tr><th>op</th><th>meaning</th></tr><tr><td><code>a | b</code></td><td>or</td></tr>"
                    "<tr><td><a href=\"/q?x=1|2\">link</a></td><td>x | y</td></tr></table>")
    table = html.find("table")
    assert _rows(table) == [["op", "meaning"], ["a | b", "or"], ["link", "x | y"]]
    assert table.find("code").get_text() == "a | b"
    assert table.find("a")["href"] in ("https://blog.example/q?x=1|2", "https://blog.example/q?x=1%7C2")


def test_column_alignment_from_align_and_style():
    html = rendered('<table><thead><tr><th align="left">a</th><th style="text-align: center">b</th>'
                    '<th align="right">c</th><th>d</th></tr></thead><tbody><tr><td>1</td><td>2</td><td>3</td><td>4</td></tr></tbody></table>')
    assert [th.get("align") for th in html.find_all("th")] == ["left", "center", "right", None]
    assert [td.get("align") for td in html.find_all("td")] == ["left", "center", "right", None]


def test_spans_row_headers_and_blocks_in_cells_keep_their_structure():
    html = rendered(
        "<table><caption>Plan</caption><thead><tr><th colspan=\"2\">both</th></tr></thead><tbody>"
        "<tr><th scope=\"row\">row</th><td rowspan=\"2\"><ul><li>one</li><li>two</li></ul>"
        "<pre><code class=\"language-python\">x = 1\n\ny = 2</code></pre></td></tr>"
        "<tr><th scope=\"row\">next</th></tr></tbody></table>")
    table = html.find("table")
    assert table.find("caption").get_text() == "Plan"
    assert table.find("thead").find("th")["colspan"] == "2"
    assert [th.get("scope") for th in table.find("tbody").find_all("th")] == ["row", "row"]
    cell = table.find("td")
    assert cell["rowspan"] == "2"
    assert [li.get_text() for li in cell.find_all("li")] == ["one", "two"]
    assert cell.find("code", class_="language-python").get_text() == "x = 1\n\ny = 2\n"


def test_table_without_header_row_keeps_its_cells():
    html = rendered("<table><tr><td>a <em>b</em></td><td><a href=\"/x\">c</a></td></tr></table>")
    assert _rows(html.find("table")) == [["a b", "c"]]
    assert html.find("td").find("em").get_text() == "b"
    assert html.find("a")["href"] == "https://blog.example/x"


def test_backslash_pipe_in_code_falls_back_to_html():
    html = rendered("<table><tr><th>re</th></tr><tr><td><code>a\\|b</code></td></tr></table>")
    assert html.find("code").get_text() == "a\\|b"
