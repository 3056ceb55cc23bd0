"""markup.py: Markdown features, exact fenced code, highlighting classes, no inline styles."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.allowlist import EMBED_SANDBOX
from generator.normalise import convert_body
from generator.site.markup import MarkdownRenderer, highlight_code, pygments_css


def render(text: str) -> BeautifulSoup:
    return BeautifulSoup(MarkdownRenderer().render(text).html, "html.parser")


def test_fenced_code_is_byte_for_byte_with_language():
    code = "\tdef f():\n\t\treturn '<module>'   \n  \n\n\t# tab\tinside\n"
    soup = render(f"Intro\n\n```python\n{code}```\n")
    block = soup.select_one("pre.highlight > code.language-python")
    assert block is not None and block.get_text() == code


def test_tilde_fence_longer_fence_and_indented_fence():
    soup = render("~~~~\n```\ninner\n```\n~~~~\n\n  ```bash\n  echo hi\n   x\n  ```\n")
    blocks = soup.find_all("code")
    assert blocks[0].get_text() == "```\ninner\n```\n"
    assert blocks[1]["class"] == ["language-bash"] and blocks[1].get_text() == "echo hi\n x\n"


def test_unknown_language_keeps_class_and_escapes():
    soup = render("```nosuchlang\n<b>&</b>\n```\n")
    code = soup.select_one("code.language-nosuchlang")
    assert code.get_text() == "<b>&</b>\n" and code.find("b") is None


def test_highlighting_uses_classes_not_styles():
    out = highlight_code("x = 1\n", "python")
    assert 'class="n"' in out and "style=" not in out
    css = pygments_css()
    assert ".highlight .k" in css and "prefers-color-scheme: dark" in css


def test_tables_footnotes_toc():
    text = "## Part one\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nNote[^n].\n\n[^n]: The note.\n\n### Part *two*\n\n## Part one\n"
    result = MarkdownRenderer().render(text)
    soup = BeautifulSoup(result.html, "html.parser")
    assert [h["id"] for h in soup.find_all(["h2", "h3"])] == ["part-one", "part-two", "part-one_1"]
    assert [td.get_text() for td in soup.find_all("td")] == ["1", "2"]
    assert [td["align"] for td in soup.find_all("td")] == ["left", "right"]  # no style attribute: the CSP forbids them
    assert soup.select_one("section.footnotes li").get_text().strip().startswith("The note.")
    assert soup.select_one("sup.footnote-ref a")["href"] == "#fn-n"
    assert [(t["name"], t["id"], [c["name"] for c in t["children"]]) for t in result.toc] == [
        ("Part one", "part-one", ["Part two"]),
        ("Part one", "part-one_1", []),
    ]


def test_attribute_lists_after_images_and_headings():
    text = '![A cat](https://img.example/cat.png){: width="600" height="400" onerror="x()" }\n\n## Setup {#install .wide}\n\nText.\n'
    result = MarkdownRenderer().render(text)
    soup = BeautifulSoup(result.html, "html.parser")
    img = soup.find("img")
    assert (img["width"], img["height"], img.get("onerror")) == ("600", "400", None)
    heading = soup.find("h2")
    assert (heading["id"], heading["class"], heading.get_text()) == ("install", ["wide"], "Setup")
    assert result.toc[0]["id"] == "install" and "{" not in result.html


def test_braces_that_are_not_attribute_lists_stay_text():
    soup = render("## Sets like {a, b}\n\n## Escaped \\{#not-an-id}\n\n![x](y.png)\\{: width=\"9\" }\n")
    assert [h.get_text() for h in soup.find_all("h2")] == ["Sets like {a, b}", "Escaped {#not-an-id}"]
    assert soup.find_all("h2")[1]["id"] == "escaped-not-an-id"
    assert soup.find("img").get("width") is None and soup.find("p").get_text() == '{: width="9" }'


def test_escaped_braces_stay_text_and_markdown_inside_raw_html_is_parsed():
    soup = render('Keep \\{: this } and {that}.\n\n<blockquote markdown="block">\n\n```python\nx = 1\n```\n\n</blockquote>\n')
    assert soup.find("p").get_text() == "Keep {: this } and {that}."
    quote = soup.find("blockquote")
    assert quote.get("markdown") is None and quote.select_one("pre.highlight code.language-python").get_text() == "x = 1\n"


def test_fences_nest_in_lists_and_raw_pre_is_left_alone():
    soup = render("- Step:\n\n  ```bash\n  echo hi\n  ```\n\n<pre><code>a <b>bold</b> raw</code></pre>\n")
    assert soup.select_one("li pre.highlight code.language-bash").get_text() == "echo hi\n"
    raw = soup.find_all("pre")[1]
    assert raw.get("class") is None and raw.find("b").get_text() == "bold"


def test_render_is_pure_between_calls():
    renderer = MarkdownRenderer()
    first = renderer.render("A[^1]\n\n[^1]: x\n\n```\ncode\n```\n").html
    renderer.render("# Other\n\n```py\nother\n```\n")
    assert renderer.render("A[^1]\n\n[^1]: x\n\n```\ncode\n```\n").html == first


code_text = st.text(alphabet=st.sampled_from(list("ab \t\n<>&`~#*_\\")), max_size=60).filter(
    lambda s: "```" not in s
)


@settings(max_examples=150, deadline=None)
@given(code=code_text)
def test_any_code_survives_exactly(code):
    code = code if code.endswith("\n") or not code else code + "\n"
    soup = render(f"```text\n{code}```\n")
    assert soup.find("code").get_text() == code


def test_blocks_rendered_before_are_reused_without_pygments(monkeypatch):
    import generator.site.markup as markup

    text = "Intro.\n\n```python\nx = 1\n```\n\n<pre class=\"highlight\">raw</pre>\n\n```\nplain <text>\n```\n"
    first = MarkdownRenderer().render(text)
    assert len(first.blocks) == 2
    known = {key: first.html[start : start + length] for key, start, length in first.blocks}
    assert known[markup.block_key("x = 1\n", "python")].startswith('<pre class="highlight"><code class="language-python">')

    def no_pygments(code, lang):
        raise AssertionError(f"highlighted {lang!r} again")

    monkeypatch.setattr(markup, "highlight_code", no_pygments)
    again = MarkdownRenderer(known).render(text + "\nAn added sentence.\n")
    assert again.html.startswith(first.html) and again.blocks == first.blocks
    with pytest.raises(AssertionError, match="'sql'"):
        MarkdownRenderer(known).render("```sql\nSELECT 1;\n```\n")  # new code: highlighted


# ---------------------------------------------------------------- imported articles: the second wall

IMPORTED_WITH_RAW_HTML = """## One <img src=x onerror=alert(1)

Text with <script>alert(1)</script> and <a href="javascript:alert(2)" onclick="x()">a link</a>.

<object data="x.swf"></object><embed src="x.swf"><base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<iframe src="https://evil.example/frame"></iframe>
<iframe src="https://www.youtube-nocookie.com/embed/abc123"></iframe>

## Two {#second}

Note[^1] ![A cat](cat.png){: width="600" }

```python
x = "<script>"
```

## Three

[^1]: The note.
"""


def test_an_imported_article_is_cleaned_again_after_rendering():
    result = MarkdownRenderer().render(IMPORTED_WITH_RAW_HTML, untrusted=True)
    page = BeautifulSoup(result.html, "html.parser")
    assert not page.find_all(["script", "object", "embed", "base", "meta"])
    assert not [a for tag in page.find_all(True) for a in tag.attrs if a.startswith("on")]
    assert [f["src"] for f in page.find_all("iframe")] == ["https://www.youtube-nocookie.com/embed/abc123"]
    assert "javascript:" not in result.html
    # what the renderer adds is kept: heading ids, footnotes, attribute lists, highlighting
    assert [h["id"] for h in page.find_all("h2")][1:] == ["second", "three"]
    assert page.find("a", attrs={"data-footnote-ref": True})["href"] == "#fn-1"
    assert page.find("img", alt="A cat")["width"] == "600"
    assert page.find("code", class_="language-python").get_text() == 'x = "<script>"\n'
    # the table of contents is made from the cleaned HTML: no half tag reaches it
    assert result.toc[0]["name"] == "One &lt;img src=x onerror=alert(1)"  # text, escaped
    assert all("<" not in t["name"] for t in result.toc)


def test_an_authors_post_keeps_its_raw_html():
    result = MarkdownRenderer().render("<script>window.x = 1</script>\n\nText.\n")
    assert "<script>window.x = 1</script>" in result.html


@given(st.text(alphabet="<>/=\"' abcdhimnoprstx:&;#()[]!*\n-", max_size=120))
@settings(max_examples=200, deadline=None)
def test_no_markdown_makes_an_imported_article_run_script(text):
    html_out = MarkdownRenderer().render(text, untrusted=True).html
    page = BeautifulSoup(html_out, "html.parser")
    assert not page.find_all(["script", "object", "embed", "base", "meta", "style"])
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], html_out
        for name in ("href", "src"):
            value = tag.get(name, "")
            assert not re.match(r"\s*(javascript|data|vbscript):", value, re.IGNORECASE), html_out


def test_an_imported_task_list_keeps_its_disabled_boxes_and_nothing_else_of_a_form():
    text = '- [x] done\n- [ ] to do\n\n<input type="text" name="q"><input type="checkbox" checked><label>x</label>\n'
    page = BeautifulSoup(MarkdownRenderer().render(text, untrusted=True).html, "html.parser")
    boxes = page.find_all("input")
    assert [b.get("type") for b in boxes] == ["checkbox", "checkbox", "checkbox"]
    assert [b.has_attr("disabled") for b in boxes[:2]] == [True, True]
    assert [b.has_attr("checked") for b in boxes[:2]] == [True, False]


def test_an_imported_embed_keeps_its_sandbox_title_and_player_attributes():
    """What the normaliser writes for an embed and a video survives the second wall."""
    body = convert_body(
        '<iframe src="https://www.youtube.com/embed/abc123" title="A talk" width="560" height="315"></iframe>'
        '<video src="https://example.com/v.mp4"></video>',
        base_url="https://blog.example/post/",
    )
    page = BeautifulSoup(MarkdownRenderer().render(body, untrusted=True).html, "html.parser")
    frame, video = page.find("iframe"), page.find("video")
    assert " ".join(frame["sandbox"]) == EMBED_SANDBOX and frame["title"] == "A talk"
    assert frame["loading"] == "lazy" and frame["referrerpolicy"] == "strict-origin-when-cross-origin"
    assert video["preload"] == "metadata" and video.has_attr("controls")


def test_a_raw_iframe_in_an_imported_article_is_sandboxed_whatever_it_said():
    text = '<iframe src="https://www.youtube-nocookie.com/embed/abc" sandbox="allow-top-navigation allow-forms" loading="eager"></iframe>\n'
    frame = BeautifulSoup(MarkdownRenderer().render(text, untrusted=True).html, "html.parser").find("iframe")
    assert " ".join(frame["sandbox"]) == EMBED_SANDBOX and frame["loading"] == "lazy"
