"""An article body over the size cap is cut at a block boundary and ends with a note
linking the original; the cut never leaves a code fence or a raw HTML block open."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.models import Entry, FeedSource
from generator.normalise import normalise_item
from generator.normalise.limits import cap_markdown, cut_html
from generator.site.markup import MarkdownRenderer

NOTE = "*Cut.* [Read the rest](https://x.example/post)"
SOURCE = FeedSource("feed", "https://x.example/feed")


def _entry(content: str) -> Entry:
    return Entry(source="feed", id="urn:1", title="Long", link="https://x.example/post",
                 published=datetime(2026, 1, 2, tzinfo=timezone.utc), content=content, feed_title="X Blog")


def test_a_body_under_the_cap_is_left_alone():
    assert cap_markdown("para one\n\npara two\n", 1000, NOTE) == ("para one\n\npara two\n", False)


def test_a_long_body_is_cut_between_blocks_and_ends_with_the_note():
    markdown = "".join(f"Paragraph {n} with some words in it.\n\n" for n in range(500))
    capped, cut = cap_markdown(markdown, 4096, NOTE)
    assert cut and len(capped.encode()) <= 4096
    body, note = capped.rstrip("\n").rsplit("\n\n", 1)
    assert note == NOTE
    assert all(p.startswith("Paragraph ") and p.endswith("in it.") for p in body.split("\n\n"))


def test_a_cut_inside_a_long_code_block_closes_its_fence():
    markdown = "Intro.\n\n```python\n" + "".join(f"x_{n} = {n}\n" for n in range(5000)) + "```\n\nAfter.\n"
    capped, cut = cap_markdown(markdown, 8192, NOTE)
    assert cut and len(capped.encode()) <= 8192
    html = MarkdownRenderer().render(capped).html
    assert html.count("<pre") == 1 and NOTE.split("]")[0][1:] not in html.split("</pre>")[0]
    assert "Read the rest" in html.split("</pre>")[1]


def test_a_cut_never_splits_a_raw_html_block():
    item = "<ul>\n<li>\n\n```\ncode\n```\n\n</li>\n</ul>"
    markdown = "Intro paragraph that is long enough to matter here.\n\n" + "\n\n".join([item] * 400)
    capped, cut = cap_markdown(markdown, 2048, NOTE)
    body = capped.rsplit("\n\n", 1)[0]
    assert cut and body.count("<ul>") == body.count("</ul>")


def test_a_single_huge_paragraph_is_cut_at_a_word():
    capped, cut = cap_markdown("word " * 100_000, 1000, NOTE)
    assert cut and len(capped.encode()) <= 1000 and capped.startswith("word word") and capped.endswith(NOTE + "\n")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "🐍", " ", "\n", "\n\n", "```", "~~~", "<ul>", "</ul>", "*"]), max_size=1500),
       st.integers(min_value=200, max_value=2000))
def test_the_capped_body_is_valid_utf8_within_the_cap(pieces, cap):
    markdown = "".join(pieces)
    capped, cut = cap_markdown(markdown, cap, NOTE)
    assert len(capped.encode("utf-8")) <= max(cap, len(markdown.encode()))
    assert cut == (len(markdown.encode()) > cap)
    if cut:
        assert capped.endswith(NOTE + "\n")


def test_html_is_cut_after_a_block_end():
    html = "<p>one</p><p>two</p><p>three</p>"
    assert cut_html(html, 20) == ("<p>one</p><p>two</p>", True)
    assert cut_html(html, 100) == (html, False)


def test_a_huge_item_becomes_an_article_within_the_cap_with_a_note_linking_the_original():
    html = "".join(f"<h2>Part {n}</h2><p>Some <b>text</b> of part {n}.</p><pre><code>x = {n}\n</code></pre>" for n in range(20_000))
    item = normalise_item(_entry(html), SOURCE, max_body_bytes=64 * 1024)
    body = item.article.body
    assert item.cut and len(body.encode()) <= 64 * 1024
    assert body.startswith("## Part 0\n\nSome **text** of part 0.")
    assert body.rstrip().endswith("[Read the rest on X Blog](<https://x.example/post>)")  # a <...> destination
    assert body.count("```") % 2 == 0


def test_an_article_under_the_cap_has_no_note():
    item = normalise_item(_entry("<p>short</p>"), SOURCE, max_body_bytes=64 * 1024)
    assert not item.cut and item.article.body == "short\n"


def test_front_matter_stays_small_whatever_the_feed_sends():
    words = "word " * 200_000
    entry = Entry(source="feed", id="urn:1", title=words, link="https://x.example/" + "a" * 10_000, author=words,
                  published=datetime(2026, 1, 2, tzinfo=timezone.utc), content="<p>x</p>",
                  tags=tuple(f"tag{n}" for n in range(10_000)) + ("t" * 500,), image="https://x.example/" + "i" * 10_000)
    article = normalise_item(entry, SOURCE).article
    assert len(article.title) <= 300 and article.title.endswith("…")
    assert len(article.author) <= 200 and len(article.tags) == 50 and "t" * 500 not in article.tags
    assert article.original_url == "" and article.image == ""


def test_a_huge_guid_is_known_by_its_hash():
    from generator.fetching.parse import parse_feed
    from generator.models import FetchResult

    body = (f'<rss version="2.0"><channel><title>T</title><item><title>a</title><guid>{"g" * 5000}</guid>'
            "<description>x</description></item></channel></rss>").encode()
    result = FetchResult(SOURCE, "ok", SOURCE.url, body, {"Content-Type": "application/rss+xml"})
    entry = parse_feed(result, SOURCE, {}, datetime(2026, 1, 2, tzinfo=timezone.utc)).entries[0]
    assert entry.id.startswith("urn:sha1:") and len(entry.id) < 40


def test_a_huge_whole_page_is_cut_before_it_is_parsed_for_its_article(monkeypatch):
    import generator.normalise as normalise

    seen: list[int] = []
    original = normalise._main_part
    monkeypatch.setattr(normalise, "_main_part", lambda page: seen.append(len(page)) or original(page))
    page = "<html><body><article>" + "<p>Some words of the article.</p>" * 100_000 + "</article></body></html>"
    item = normalise_item(_entry(page), SOURCE, max_body_bytes=16 * 1024)
    assert item.cut and item.article.body.startswith("Some words of the article.")
    assert seen and max(seen) <= 4 * 1.5 * 16 * 1024
