"""Unit tests for generator.normalise: escaping, conversion details, safety, metadata."""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bench.fidelity import render
from generator.content import dump_article, parse_article
from generator.models import Entry, FeedSource
from generator.normalise import EMBED_HOSTS, convert_body, normalise_entry, recheck_links
from generator.normalise.sanitise import safe_url, strip_tracking

SOURCE = FeedSource(name="demo", url="https://feed.example/rss", tags=("Python", "extra"))
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def entry(content: str, **fields) -> Entry:
    base = dict(source="demo", id="urn:1", title="A title", link="https://blog.example/post/", published=WHEN,
                content=content)
    base.update(fields)
    return Entry(**base)


def rendered(content: str, kind: str = "html", base: str = "https://blog.example/post/", platform: str = "generic"):
    return render(convert_body(content, kind, base, platform))


# ---------------------------------------------------------------- prose escaping

PIECES = list("ab1 *_`[]()<>#!&;:{}|\\-+=.~^") + ["&amp;", "&copy;", "1. ", "1) ", "# ", "- ", "> ", "http://x.y", "<b>"]
PROSE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=25).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=PROSE, second=PROSE)
def test_prose_renders_as_the_same_text(first, second):
    source = f"<p>{htmllib.escape(first)}<br>{htmllib.escape(second)}</p>"
    want = BeautifulSoup(source.replace("<br>", "\n"), "html.parser").get_text()
    got = rendered(source).get_text()
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    assert norm(got) == norm(want)


EMPHASIS_TEXT = st.lists(st.sampled_from(list("ab?!.,:'()-") + ["\u201c", "\u201d", "word", " "]), min_size=1, max_size=5).map("".join)


@st.composite
def inline_html(draw, depth: int = 0) -> str:
    """Prose, emphasis, strong emphasis, links and code, nested, next to punctuation."""
    kinds = ["text", "em", "strong", "a", "code"] if depth < 2 else ["text"]
    parts = []
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=4)):
        if kind == "text":
            parts.append(htmllib.escape(draw(EMPHASIS_TEXT)))
        elif kind == "code":
            parts.append(f"<code>{htmllib.escape(draw(EMPHASIS_TEXT))}</code>")
        else:
            inner = draw(inline_html(depth + 1))
            parts.append(f'<a href="https://x.example/">{inner}</a>' if kind == "a" else f"<{kind}>{inner}</{kind}>")
    return "".join(parts)


def _emphasised(soup) -> list[tuple[str, str]]:
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    return sorted((el.name, norm(el.get_text())) for el in soup.find_all(["em", "strong"]) if norm(el.get_text()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=inline_html())
def test_emphasis_next_to_punctuation_survives(body):
    # Found on Medium's feed: "<em>\u201c</em>The" made "*\u201c*The", which CommonMark does not read as emphasis.
    source = BeautifulSoup(f"<p>{body}</p>", "html.parser")
    assume(not any(el.find_parent(el.name) for el in source.find_all(["em", "strong"])))  # <em> in <em> is merged
    got = rendered(f"<p>{body}</p>")
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    assert norm(got.get_text()) == norm(source.get_text())
    assert _emphasised(got) == _emphasised(source)


@pytest.mark.parametrize("text", ["# not a heading", "1. not a list", "- not a list", "> not a quote", "[TOC]",
                                  "*not em*", "_not em_", "`not code`", "[^1] not a footnote", "a {: .cls}", "---",
                                  "&copy; literally", "<b>not bold</b>", "~~~", "+ plus", "a {a}", "-- -", "- - -",
                                  "](*) not a link", "x](javascript:y)", "<br>", ":-", "-:", ":---:"])
def test_markdown_characters_at_line_start_stay_text(text):
    html = rendered(f"<p>x<br>{htmllib.escape(text)}</p><p>{htmllib.escape(text)}</p>")
    paragraphs = html.find_all("p")
    assert len(paragraphs) == 2 and paragraphs[1].get_text() == text
    assert html.find(["h1", "h2", "em", "code", "ul", "ol", "blockquote", "b", "hr", "pre"]) is None


# ---------------------------------------------------------------- blocks

def test_code_block_with_backticks_and_tabs_is_exact():
    code = "a = '```'\n\tindented\n\n   \nend <tag> &amp;"
    md = convert_body(f'<pre><code class="language-py">{htmllib.escape(code)}</code></pre>')
    assert md == f"````py\n{code}\n````\n"


def test_h1_demoted_and_levels_kept():
    html = rendered("<h1>One</h1><h3>Three</h3><h6>Six #</h6>")
    assert [(h.name, h.get_text()) for h in html.find_all(re.compile("^h"))] == [("h2", "One"), ("h3", "Three"), ("h6", "Six #")]


def test_ordered_list_start_and_nesting():
    html = rendered('<ol start="4"><li>four<ol><li>inner</li></ol></li><li>five</li></ol><ul><li>dot</li></ul>')
    outer = html.find("ol")
    assert outer["start"] == "4"
    assert outer.find("ol").find("li").get_text() == "inner"
    assert html.find("ul").get_text().strip() == "dot"


def test_two_lists_in_a_row_stay_two_lists():
    html = rendered("<ul><li>a</li></ul><ul><li>b</li></ul><blockquote>q1</blockquote><blockquote>q2</blockquote>")
    assert len(html.find_all("ul")) == 2 and len(html.find_all("blockquote")) == 2


def test_table_without_header_row_is_kept_whole():
    html = rendered("<table><tr><td>a</td><td><a href='/x'>b</a></td></tr><tr><td colspan=2>c</td></tr></table>")
    cells = html.find_all("td")
    assert [c.get_text() for c in cells] == ["a", "b", "c"] and cells[2]["colspan"] == "2"
    assert cells[1].find("a")["href"] == "https://blog.example/x"


def test_images_links_absolute_with_size_and_title():
    html = rendered('<p><a href="../other/" title="Other">other</a> <img src="pic one.png" alt="A [pic]" width="10" height="20" title="T"></p>')
    link, img = html.find("a"), html.find("img")
    assert link["href"] == "https://blog.example/other/" and link["title"] == "Other"
    assert (img["src"], img["alt"], img["width"], img["height"], img["title"]) == (
        "https://blog.example/post/pic%20one.png", "A [pic]", "10", "20", "T")


def test_link_with_parentheses_in_url():
    html = rendered('<p><a href="https://en.wikipedia.org/wiki/Python_(language)">py</a> <a href="https://x.example/a)b">odd</a></p>')
    hrefs = [a["href"] for a in html.find_all("a")]
    assert hrefs == ["https://en.wikipedia.org/wiki/Python_(language)", "https://x.example/a%29b"]


def test_inline_code_with_backticks():
    html = rendered("<p>Use <code>a `b` c</code> and <code>`x</code></p>")
    assert [c.get_text() for c in html.find_all("code")] == ["a `b` c", "`x"]


def test_video_audio_kept_with_sources():
    html = rendered('<video poster="p.jpg"><source src="v.webm" type="video/webm"><source src="v.mp4"></video><audio src="a.mp3"></audio>')
    assert [s["src"] for s in html.find("video").find_all("source")] == ["https://blog.example/post/v.webm", "https://blog.example/post/v.mp4"]
    assert html.find("video")["poster"] == "https://blog.example/post/p.jpg"
    assert html.find("audio")["src"] == "https://blog.example/post/a.mp3"


def test_embed_rewrites_and_allowlist():
    html = rendered('<iframe src="https://www.youtube.com/embed/abcdefghijk?start=30&amp;autoplay=1"></iframe>'
                    '<iframe src="https://vimeo.com/76979871"></iframe>'
                    '<iframe src="https://tracker.example/embed"></iframe>')
    frames = html.find_all("iframe")
    assert [f["src"] for f in frames] == ["https://www.youtube-nocookie.com/embed/abcdefghijk?start=30",
                                           "https://player.vimeo.com/video/76979871?dnt=1"]
    assert all(" ".join(f["sandbox"]) == "allow-scripts allow-same-origin allow-presentation allow-popups" for f in frames)
    assert html.find("a")["href"] == "https://tracker.example/embed"
    assert "www.youtube-nocookie.com" in EMBED_HOSTS and "player.vimeo.com" in EMBED_HOSTS


def test_tracking_parameters():
    assert strip_tracking("https://x.example/a?utm_source=rss&id=3") == "https://x.example/a?id=3"
    assert strip_tracking("https://medium.com/p/1?source=rss----1") == "https://medium.com/p/1"
    assert strip_tracking("https://tool.example/?ref=blog.example", "ghost") == "https://tool.example/"
    assert strip_tracking("https://tool.example/?ref=main", "ghost") == "https://tool.example/?ref=main"


def test_substack_widgets_dropped_and_image_links_kept():
    html = rendered('<div class="captioned-image-container"><figure><a class="image-link" href="https://cdn.example/big.png">'
                    '<img src="https://cdn.example/small.png" alt="Chart"></a><figcaption>A chart</figcaption></figure></div>'
                    '<div class="subscription-widget-wrap"><p>Subscribe now</p></div><p class="button-wrapper"><a href="/s">Share</a></p>')
    link = html.find("figure").find("a")  # the link to the full-size image stays
    assert link["href"] == "https://cdn.example/big.png" and link.find("img")["src"] == "https://cdn.example/small.png"
    assert html.find("figure").find("figcaption").get_text() == "A chart"
    assert "Subscribe" not in html.get_text() and "Share" not in html.get_text()


def test_text_and_markdown_bodies():
    assert rendered("Line one\nline two\n\nSecond *para*", kind="text").find_all("p")[1].get_text() == "Second *para*"
    md = rendered("Some **bold** and a [link](/rel).\n\n    indented code\n", kind="markdown", platform="gridsome")
    assert md.find("strong").get_text() == "bold" and md.find("a")["href"] == "https://blog.example/rel"
    assert md.find("code").get_text() == "indented code\n"


# ---------------------------------------------------------------- safety

HOSTILE_BODY = """
<script>alert('s')</script><style>body{display:none}</style>
<p onclick="alert(1)" style="color:red">Click <a href="javascript:alert(1)">js</a>
<a href="jav&#x09;ascript:alert(2)">tab</a> <a href=" JAVASCRIPT:alert(3)">upper</a>
<a href="&#106;avascript:alert(4)">entity</a> <a href="vbscript:msgbox(5)">vb</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">data</a> <img src="x" onerror="alert(6)">
<img src="data:image/svg+xml,<svg onload=alert(7)>"> [md](javascript:alert(8))</p>
<iframe src="javascript:alert(9)"></iframe><iframe src="https://evil.example/x" onload="alert(10)"></iframe>
<object data="evil.swf"></object><embed src="evil.swf"><form action="/steal"><input name="q"><button>Go</button></form>
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
<svg onload="alert(11)"><circle/></svg><math><mi>x</mi></math><a href="\\\\evil.example">slashes</a>
<table><tr><td><a href="javascript:alert(12)">cell</a><img src=x onerror=alert(13)></td></tr></table>
<details><summary onclick="alert(14)">more</summary><a href="java\nscript:alert(15)">nl</a></details>
"""


def _assert_nothing_executable(html: BeautifulSoup) -> None:
    for tag in html.find_all(True):
        assert tag.name not in ("script", "style", "object", "embed", "form", "input", "button", "base", "meta", "svg", "math")
        for attr, value in tag.attrs.items():
            assert not attr.lower().startswith("on"), (tag.name, attr)
            assert attr != "style"
            if attr in ("href", "src", "poster", "action", "formaction", "data"):
                assert safe_url(value), (tag.name, attr, value)
                assert not str(value).lower().startswith(("data:", "javascript", "vbscript"))
        if tag.name == "iframe":
            assert any(tag["src"].startswith(f"https://{host}/") for host in EMBED_HOSTS)


@pytest.mark.parametrize("kind,platform", [("html", "generic"), ("html", "forem"), ("html", "ghost"), ("markdown", "gridsome")])
def test_hostile_body_leaves_nothing_executable(kind, platform):
    markdown_hostile = HOSTILE_BODY + "\n\n[x](javascript:alert(1)) ![y](javascript:alert(2)) [z][r]\n\n[r]: javascript:alert(3)\n\n<a href='javascript:alert(4)'>raw</a>\n"
    body = markdown_hostile if kind == "markdown" else HOSTILE_BODY
    article = normalise_entry(entry(body, content_type=kind, platform=platform), SOURCE)
    _assert_nothing_executable(render(article.body))
    assert "alert" not in " ".join(a.get("href", "") for a in render(article.body).find_all("a"))


def test_hostile_metadata_is_plain_text():
    hostile = entry("<p>x</p>", title="<script>alert(1)</script><b>Bold</b> &amp; title",
                    author='<img src=x onerror="alert(2)">Eve', tags=("<i onclick=x>tag</i>", "python"),
                    summary="<a href='javascript:alert(3)'>sum</a>", link="javascript:alert(4)")
    article = normalise_entry(hostile, SOURCE)
    assert article.title == "alert(1) Bold & title"
    assert article.author == "Eve"
    assert article.tags == ("tag", "python", "extra")  # deduped case-insensitively
    assert article.summary == "sum"
    assert article.original_url == ""
    front = dump_article(article).split("---")[1]
    assert "<" not in front and "javascript" not in front


@pytest.mark.parametrize("target", ["javascript:alert(1)", "jav&#x61;script:alert(1)", "java&#09;script:x", " javascript:x",
                                    "JaVaScRiPt:x", "vbscript:x", "data:text/html,x", "&#x6A;avascript:x"])
def test_recheck_links_catches_disguised_schemes(target):
    markdown = f"[a]({target}) <a href=\"{target}\">b</a> <img src='{target}'>"
    fixed = recheck_links(markdown)
    assert fixed.count("#") >= 3 and "script:" not in fixed.replace("&#", "").lower().replace("\t", "")


def test_code_about_javascript_links_is_left_exact():
    code = '<a href="javascript:void(0)">x</a>\n[y](javascript:go())'
    md = convert_body(f"<p>Never write <code>href=\"javascript:x\"</code>:</p><pre><code>{htmllib.escape(code)}</code></pre>")
    html = render(md)
    assert html.find("pre").get_text().rstrip("\n") == code
    assert html.find("p").find("code").get_text() == 'href="javascript:x"'


def test_convert_command(tmp_path, capsys):
    from generator.cli import main

    page = tmp_path / "page.html"
    page.write_text("<html><head><title>T</title></head><body><article><h1>Hi</h1><p>A <a href='/x'>link</a>"
                    "<script>bad()</script></p></article></body></html>", encoding="utf-8")
    assert main(["convert", "--base-url", "https://site.example/p/", str(page)]) == 0
    assert capsys.readouterr().out == "## Hi\n\nA [link](https://site.example/x)\n"
    md = tmp_path / "post.md"
    md.write_text("Some *text* with ![i](/images/a.png)\n", encoding="utf-8")
    assert main(["convert", "--platform", "gridsome", "--base-url", "https://g.example/blog/x/", str(md)]) == 0
    assert capsys.readouterr().out == "Some *text* with ![i](https://g.example/images/a.png)\n"
    assert main(["convert", str(tmp_path / "missing.html")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_recheck_keeps_good_links():
    text = "[a](https://x.example/a) [b](mailto:me@x.example) [c](#frag) <a href=\"/rel\">d</a>"
    assert recheck_links(text) == text


# ---------------------------------------------------------------- the article

def test_article_fields_and_round_trip_through_the_file_format():
    e = entry("<p>First paragraph of the post, long enough to summarise.</p><p>Second.</p>",
              author="Ann", tags=("python", "Web"), image="/img/cover.png", updated=WHEN.replace(day=3), platform="ghost")
    article = normalise_entry(e, SOURCE)
    assert article.summary == "First paragraph of the post, long enough to summarise."
    assert article.tags == ("python", "Web", "extra")
    assert article.image == "https://blog.example/img/cover.png"
    assert (article.source, article.guid, article.original_url, article.platform) == ("demo", "urn:1", "https://blog.example/post/", "ghost")
    text = dump_article(article)
    back = parse_article(text, "demo/x.md")
    assert (back.title, back.date, back.body, back.tags, back.summary) == (article.title, article.date, article.body, article.tags, article.summary)
    assert dump_article(normalise_entry(e, SOURCE)) == text


def test_long_summary_cut_at_a_word():
    words = " ".join(f"word{n}" for n in range(200))
    summary = normalise_entry(entry(f"<p>{words}</p>"), SOURCE).summary
    assert len(summary) <= 300 and summary.endswith("…") and summary[:-1].split(" ")[-1].startswith("word")


def test_excerpt_links_to_the_original():
    article = normalise_entry(entry("<p>Start of it…</p>", is_excerpt=True, feed_title="Far Blog"), SOURCE)
    html = render(article.body)
    assert "This is an excerpt." in html.get_text()
    assert html.find_all("a")[-1]["href"] == "https://blog.example/post/" and "Far Blog" in html.get_text()


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "<script>alert(1)</script>", "data:text/html,<script>alert(1)</script>", "mailto:x@y.z"],
)
def test_an_item_link_that_is_no_web_url_makes_no_link(link):
    article = normalise_entry(entry("<p>Start of it…</p>", link=link, is_excerpt=True, feed_title="Far Blog"), SOURCE)
    assert article.original_url == ""
    assert "<script" not in article.body and "javascript:" not in article.body and "data:" not in article.body
    page = render(article.body)
    assert not page.find_all("a") and not page.find_all("script")
    assert "the full article is on Far Blog" in page.get_text()


def test_the_excerpt_note_escapes_the_feed_title_and_encodes_the_link():
    hostile_title = "Blog](javascript:alert(1)) <script>alert(2)</script> *bold* [x]"
    link = 'https://blog.example/a b/(1)/"q"<x>'
    article = normalise_entry(entry("<p>Start of it…</p>", link=link, is_excerpt=True, feed_title=hostile_title), SOURCE)
    page = render(article.body)
    (anchor,) = page.find_all("a")
    assert anchor["href"] == "https://blog.example/a%20b/(1)/%22q%22%3Cx%3E" == article.original_url
    assert not page.find_all(["script", "strong"]) and not anchor.find_all(True)  # the title stays text
    assert anchor.get_text() == "Read the full article on Blog](javascript:alert(1)) alert(2) *bold* [x]"


def test_a_feature_image_that_is_no_web_url_is_dropped():
    assert normalise_entry(entry("<p>x</p>", image="javascript:alert(1)"), SOURCE).image == ""
    assert normalise_entry(entry("<p>x</p>", image="/cover a.png"), SOURCE).image == "https://blog.example/cover%20a.png"


def test_empty_and_broken_bodies_do_not_raise():
    for body in ["", "<", "<p><b><i>unclosed", "<table><td>x", "\x00\x01", "<pre></pre>", "<ol><li></li></ol>", "]]>"]:
        article = normalise_entry(entry(body), SOURCE)
        assert isinstance(article.body, str)


def test_feed_summary_cut_mid_sentence_gets_an_ellipsis():
    from bs4 import BeautifulSoup

    from generator.normalise.summary import make_summary

    body = BeautifulSoup("<p>I had an old device lying around and put it to use. The common tool is NUT (Network UPS Tools) here.</p>", "html.parser")
    assert make_summary("I had an old device lying around and put it to use. The common tool is NUT (Network UPS", body).endswith("UPS…")
    assert make_summary("I had an old device lying around and put it to use.", body).endswith("use.")
    assert make_summary("A summary written by hand, not in the body", body) == "A summary written by hand, not in the body"


def test_a_paragraph_that_starts_with_a_line_break_stays_markdown():
    # Found by the prose property test: "<br>" alone on a block's first line starts a
    # CommonMark HTML block, and the escapes after it would show as backslashes.
    html = rendered("<p> <br>*not em* and_this_</p>")
    assert html.find("p").get_text() == "*not em* and_this_"


@pytest.mark.parametrize(
    "html, emphasised",
    [
        ("<p>Said: <em>\u201c</em>The forager is good.\u201d</p>", [("em", "\u201c")]),  # Medium's feed
        ("<p><em>Tastes like</em> <em><strong>this</strong></em><em>?</em> Yes.</p>", [("em", "?"), ("em", "Tastes like"), ("em", "this"), ("strong", "this")]),
        ("<p>Measure <b><strong>before</strong></b> you cut.</p>", [("strong", "before")]),
    ],
)
def test_emphasis_commonmark_would_not_read_goes_out_as_tags(html, emphasised):
    assert _emphasised(rendered(html)) == emphasised


@pytest.mark.parametrize(
    "html, text",
    [
        ("<p>Run <code>ls</code><code>-la</code> now.</p>", "Run ls-la now."),  # `ls``-la` would be one span
        ("<p>Wow!<a href='https://x.example/'>link</a></p>", "Wow!link"),  # not an image
        ("<p>a<code> b </code>c</p>", "a b c"),  # CommonMark trims a space from each end of a span
    ],
)
def test_inline_neighbours_keep_their_text(html, text):
    out = rendered(html)
    assert out.find("p").get_text() == text and out.find("img") is None


def test_a_video_is_a_block_not_a_paragraph():
    out = rendered('<p>Before.</p><video controls src="https://x.example/v.mp4"></video><p>After.</p>')
    assert out.find("video").parent.name != "p"


def test_nested_content_of_a_three_digit_item_stays_in_the_item():
    # "100. " puts the content at column 5: four spaces of indentation made code of it.
    html = rendered('<ol start="99"><li>a<ul><li>b</li></ul></li><li>c<ul><li>d</li></ul><p>e</p></li></ol>')
    items = html.find("ol").find_all("li", recursive=False)
    assert [li.find("ul").get_text(strip=True) for li in items] == ["b", "d"]
    assert items[1].find("p", string="e") is not None and html.find("pre") is None


@pytest.mark.parametrize("url", ["https://e.example/?boolean", "https://e.example/?a=(1)&b", "https://e.example/?q=a%20b&x=%28"])
def test_query_strings_with_nothing_to_remove_are_left_as_written(url):
    assert strip_tracking(url) == url
    assert strip_tracking(url + "&utm_source=feed") == url
    html = rendered(f'<p><a href="{htmllib.escape(url)}">x</a></p>')
    assert html.find("a")["href"] == url


def test_summary_walks_a_long_body_without_moving_elements(monkeypatch):
    """Summaries used to edit a copy of the tree (bs4 finds each element among its
    siblings for that): quadratic in a body's size. The walk now changes nothing."""
    import bs4.element

    calls = []
    original = bs4.element.Tag.index
    monkeypatch.setattr(bs4.element.Tag, "index", lambda self, el: calls.append(1) or original(self, el))
    blocks = "".join(f"<pre>code {n}</pre><p><a href='/x{n}'>only a link</a></p><h2>H{n}</h2><p>x<br>y</p>" for n in range(300))
    item = entry(blocks + "<p>The first real paragraph of prose, long enough.</p>")
    article = normalise_entry(item, FeedSource("f", "https://f.example/feed"))
    assert article.summary == "The first real paragraph of prose, long enough."
    assert len(calls) < 50


def test_a_body_that_looks_like_a_file_name_is_text_and_warns_nothing(recwarn):
    assert convert_body("notes.txt").strip() == "notes.txt"
    assert convert_body("https://example.org/a").strip().endswith("https://example.org/a")
    assert not [w for w in recwarn.list if "Beautiful" in str(w.message) or "looks more like" in str(w.message)]
