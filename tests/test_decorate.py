"""decorate.py: the article page's HTML touches, on real Markdown output and raw HTML."""

from __future__ import annotations

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.decorate import decorate_article, language_label, toc_size
from generator.site.markup import MarkdownRenderer


def page(markdown: str) -> BeautifulSoup:
    return BeautifulSoup(decorate_article(MarkdownRenderer().render(markdown).html), "html.parser")


def test_code_block_gets_language_label_and_keeps_exact_text():
    code = 'def f():\n\treturn "<b>&</b>"\n'
    soup = page(f"```py\n{code}```\n")
    block = soup.select_one("div.code-block")
    assert block["data-lang"] == "Python"
    pre = block.find("pre")
    assert pre["class"] == ["highlight"] and pre["tabindex"] == "0"
    assert pre.find("code", class_="language-py").get_text() == code
    assert block.get_text() == code  # the label is CSS content, not text


def test_code_without_language_and_raw_pre_are_focusable():
    soup = page("```\nplain\n```\n\n<pre>raw block</pre>\n")
    assert soup.select_one("div.code-block").get("data-lang") is None
    assert all(pre["tabindex"] == "0" for pre in soup.find_all("pre"))
    assert language_label("nosuchlang") == "nosuchlang"


def test_tables_are_wrapped_once_even_when_nested():
    html = decorate_article("<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table><p>after</p>")
    soup = BeautifulSoup(html, "html.parser")
    wraps = soup.select("div.table-wrap")
    assert len(wraps) == 1 and wraps[0]["tabindex"] == "0"
    assert len(wraps[0].find_all("table")) == 2 and soup.find("p").get_text() == "after"


def test_images_are_lazy_and_always_have_alt():
    soup = BeautifulSoup(decorate_article('<p><img src="a.png" width="4" height="3"><img alt="B" src="b.png" loading="eager"/></p>'), "html.parser")
    first, second = soup.find_all("img")
    assert (first["alt"], first["loading"], first["decoding"], first["width"]) == ("", "lazy", "async", "4")
    assert (second["alt"], second["loading"]) == ("B", "eager")


def test_iframes_get_title_lazy_loading_and_ratio_class():
    html = (
        '<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>'
        '<iframe src="https://maps.example/m" width="400" height="400" title="A map" class="embed"></iframe>'
        '<iframe src="https://other.example/x"></iframe>'
    )
    video, square, other = BeautifulSoup(decorate_article(html), "html.parser").find_all("iframe")
    assert video["title"] == "Embedded content from youtube-nocookie.com" and video["class"] == ["ratio-16x9"]
    assert square["title"] == "A map" and square["class"] == ["ratio-1x1", "embed"]
    assert other.get("class") is None and other["loading"] == "lazy"


def test_headings_start_at_h2_and_never_skip():
    soup = BeautifulSoup(decorate_article('<h1 id="a">A</h1><h3>B</h3><h2>C</h2><h6>D</h6>'), "html.parser")
    assert [(h.name, h.get_text()) for h in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == [
        ("h2", "A"), ("h3", "B"), ("h3", "C"), ("h4", "D"),
    ]
    assert soup.find("h2")["id"] == "a"
    untouched = "<h2>x</h2><h3>y</h3>"
    assert decorate_article(untouched) == untouched


def test_footnote_links_have_names():
    soup = page("Claim[^1].\n\n[^1]: Note.\n")
    assert soup.select_one("sup.footnote-ref a")["aria-label"] == "Footnote 1"
    assert soup.select_one("a.footnote-backref")["aria-label"] == "Back to reference 1"


def test_toc_size_counts_nested_headings():
    toc = MarkdownRenderer().render("## A\n\n### B\n\n#### C\n\n## D\n").toc
    assert toc_size(toc) == 4 and toc_size([]) == 0


def test_language_labels_are_pygments_names_without_making_a_lexer():
    import subprocess
    import sys

    from pygments.lexers import get_all_lexers, get_lexer_by_name

    from generator.site.decorate import language_label

    aliases = sorted({a for _, names, _, _ in get_all_lexers(plugins=False) for a in names})[::25]
    assert all(language_label(a) == get_lexer_by_name(a).name for a in aliases)
    assert language_label("PY") == "Python" and language_label("not-a-language") == "not-a-language"
    probe = "from generator.site.decorate import language_label as l; l('sql'); import sys; print('pygments.lexers.sql' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_footnotes_section_has_a_hidden_heading_that_names_it():
    soup = page("## Intro\n\nA claim[^a] and another[^b].\n\n[^a]: One.\n[^b]: Two.\n")
    section = soup.select_one("section.footnotes")
    heading = section.find(["h1", "h2", "h3", "h4", "h5", "h6"])
    assert heading is not None and heading.get_text() == "Footnotes"
    assert heading.name == "h2" and "visually-hidden" in heading["class"]
    assert section["aria-labelledby"] == heading["id"]
    assert len(section.select("ol > li")) == 2  # the notes themselves are untouched


def test_footnotes_heading_id_does_not_clash_with_one_the_article_uses():
    soup = page('<p id="footnote-label">mine</p>\n\nA claim[^a].\n\n[^a]: One.\n')
    assert len(soup.select("#footnote-label")) == 1
    heading = soup.select_one("section.footnotes h2")
    assert heading.get_text() == "Footnotes" and not heading.get("id")
    assert not soup.select_one("section.footnotes").get("aria-labelledby")


def test_article_without_footnotes_gets_no_footnotes_heading():
    assert "Footnotes" not in decorate_article(MarkdownRenderer().render("No notes here.\n").html)


def _wrap_code_blocks_by_regex(body: str) -> str:
    """The regular expression decorate.py used before str.find: the reference."""
    import html as htmllib
    import re

    from generator.site.decorate import language_label

    def wrap(match):
        lang = match.group("lang") or ""
        label = f' data-lang="{htmllib.escape(language_label(lang))}"' if lang else ""
        return f'<div class="code-block"{label}><pre class="highlight" tabindex="0">{match.group(1)}{match.group("body")}</code></pre></div>'

    pattern = r'<pre class="highlight">(<code(?: class="language-(?P<lang>[^"]*)")?>)(?P<body>.*?)</code></pre>'
    return re.sub(pattern, wrap, body, flags=re.DOTALL)


_CODE_PIECES = ['<pre class="highlight">', '<code class="language-python">', '<code class="language-">', "<code>", '<code class="x">', "</code></pre>",
                "</code>", "</pre>", "x = 1\n", "<span>", "&lt;", "\n", "<p>text</p>", '<pre class="highlight"><code>']


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CODE_PIECES), max_size=16).map("".join))
def test_code_block_wrapping_is_what_the_regular_expression_did(body):
    from generator.site.decorate import _wrap_code_blocks

    assert _wrap_code_blocks(body) == _wrap_code_blocks_by_regex(body)
