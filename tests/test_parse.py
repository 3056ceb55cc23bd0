"""Tests for generator.fetching.parse: feeds of every kind in, entries with settled ids and dates out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from generator.errors import FetchError
from generator.fetching.parse import STAND_IN_BASE, parse_feed
from generator.fetching.sniff import detect_markdown
from generator.models import FeedSource, FetchResult
from generator.text import plain_text

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
SOURCE = FeedSource(name="demo", url="https://blog.example.org/feed.xml")


def parse(body: bytes | str, headers: dict | None = None, first_seen: dict | None = None,
          now: datetime = NOW, source: FeedSource = SOURCE):
    data = body.encode("utf-8") if isinstance(body, str) else body
    result = FetchResult(source=source, status="ok", url=source.url, body=data, headers=headers or {})
    return parse_feed(result, source, first_seen or {}, now)


def rss(items: str, channel: str = "", decl: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    return (
        f'{decl}<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Demo &amp; Co</title>'
        f"<link>https://blog.example.org/</link>{channel}{items}</channel></rss>"
    )


RSS2 = rss(
    """<item><title>First &lt;b&gt;bold&lt;/b&gt; post</title>
    <link>https://blog.example.org/first/</link><guid>urn:first</guid>
    <dc:creator>Ada &amp; Bob</dc:creator><category>Python</category><category> python </category>
    <category>&lt;i&gt;web&lt;/i&gt;</category>
    <pubDate>Mon, 05 Jan 2026 10:00:00 +0100</pubDate>
    <description>A short teaser.</description>
    <content:encoded><![CDATA[<p>Full body with <a href="/x">a link</a>.</p><iframe src="https://www.youtube.com/embed/abc"></iframe><pre><code>import &lt;module&gt;</code></pre>]]></content:encoded>
    </item>"""
)


def test_rss2_entry_fields():
    feed = parse(RSS2)
    assert feed.title == "Demo & Co" and feed.link == "https://blog.example.org/"
    (entry,) = feed.entries
    assert entry.id == "urn:first"
    assert entry.title == "First bold post"
    assert entry.author == "Ada & Bob"
    assert entry.tags == ("Python", "python", "web")
    assert entry.published == datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    assert entry.content_type == "html" and not entry.is_excerpt
    # No sanitising, no URL rewriting: the normaliser does both properly.
    assert '<iframe src="https://www.youtube.com/embed/abc">' in entry.content
    assert "import &lt;module&gt;" in entry.content and 'href="/x"' in entry.content
    assert entry.summary == "A short teaser."
    assert entry.base_url == "https://blog.example.org/first/"
    assert feed.platform == "generic" and entry.platform == "generic"


def test_atom_xml_base_and_content_choice():
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example.net/blog/">
      <title type="html">Notes &amp;amp; more</title><link href="https://site.example.net/"/>
      <id>urn:feed</id><updated>2026-01-02T00:00:00Z</updated>
      <entry><title>Atom one</title><id>tag:site,2026:1</id><link href="posts/one.html"/>
        <published>2026-01-02T08:30:00-05:00</published><updated>2026-01-03T08:30:00Z</updated>
        <author><name>Cleo</name></author><category term="notes"/>
        <summary>Short.</summary>
        <content type="html" xml:base="https://cdn.example.net/base/">&lt;p&gt;Body &lt;img src="pic.png"&gt;&lt;/p&gt;&lt;p&gt;Two&lt;/p&gt;</content>
      </entry></feed>"""
    (entry,) = parse(atom).entries
    assert entry.link == "https://site.example.net/blog/posts/one.html"
    assert entry.base_url == "https://cdn.example.net/base/"
    assert entry.content.startswith("<p>Body") and entry.content_type == "html"
    assert entry.published == datetime(2026, 1, 2, 13, 30, tzinfo=timezone.utc)
    assert entry.updated == datetime(2026, 1, 3, 8, 30, tzinfo=timezone.utc)
    assert entry.author == "Cleo" and entry.tags == ("notes",) and entry.summary == "Short."


def test_rdf_feed():
    rdf = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
      xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://r.example.com/"><title>RDF demo</title><link>https://r.example.com/</link></channel>
      <item rdf:about="https://r.example.com/a"><title>
      An RDF item
      </title><link>https://r.example.com/a?rss=1</link><dc:date>2025-08-27</dc:date>
      <description>Only an abstract of the thing.</description></item></rdf:RDF>"""
    (entry,) = parse(rdf).entries
    assert entry.title == "An RDF item"
    assert entry.id == "https://r.example.com/a"  # rdf:about
    assert entry.link == "https://r.example.com/a?rss=1"
    assert entry.published == datetime(2025, 8, 27, tzinfo=timezone.utc)
    assert entry.is_excerpt


def test_json_feed():
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON demo",
        "home_page_url": "https://j.example.com/",
        "items": [
            {"id": 7, "url": "https://j.example.com/7", "title": "Seven", "content_html": "<p>Hello <em>you</em></p>",
             "date_published": "2026-02-01T10:00:00+02:00", "authors": [{"name": "Dee"}], "tags": ["a", "<b>b</b>"],
             "summary": "Hi", "image": "https://j.example.com/7.png"},
            {"id": "t", "content_text": "Plain words only.", "date_published": "not a date"},
            "junk",
        ],
    }
    feed = parse(json.dumps(doc), headers={"Content-Type": "application/feed+json"})
    first, second = feed.entries
    assert feed.title == "JSON demo" and feed.link == "https://j.example.com/"
    assert first.id == "7" and first.author == "Dee" and first.tags == ("a", "b")
    assert first.published == datetime(2026, 2, 1, 8, 0, tzinfo=timezone.utc)
    assert first.image == "https://j.example.com/7.png" and first.summary == "Hi"
    assert second.content_type == "text" and second.title == "Plain words only."
    assert second.published == STAND_IN_BASE + timedelta(seconds=1) and not second.date_known  # unparseable date, first fetch: a stand-in
    assert feed.warnings and "not objects" in feed.warnings[0]


def test_json_that_is_not_a_feed():
    with pytest.raises(FetchError, match="jsonfeed.org"):
        parse('{"hello": "world"}')


def test_latin1_bytes_declared_utf8_are_decoded_with_a_warning():
    body = rss("<item><title>Caf\xe9 cr\xe8me</title><guid>g1</guid><description>ol\xe1</description></item>")
    feed = parse(body.encode("latin-1"))
    assert feed.entries[0].title == "Café crème"
    assert feed.warnings


def test_gb2312_declared():
    body = rss("<item><title>中文标题</title><guid>g1</guid><description>内容</description></item>",
               decl='<?xml version="1.0" encoding="gb2312"?>')
    feed = parse(body.encode("gb2312"))
    assert feed.entries[0].title == "中文标题"


def test_utf8_bom():
    feed = parse(b"\xef\xbb\xbf" + rss("<item><title>Na\xefve</title><guid>g</guid></item>").encode("utf-8"))
    assert feed.entries[0].title == "Naïve"


def test_html_page_instead_of_feed():
    page = b"<!DOCTYPE html><html><head><title>Blog</title></head><body><p>hi</p></body></html>"
    with pytest.raises(FetchError, match="not a feed: got text/html"):
        parse(page, headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(FetchError, match="HTML page"):
        parse(page)


def test_garbage_and_empty_body():
    with pytest.raises(FetchError, match="not a feed"):
        parse(b"")
    with pytest.raises(FetchError, match="not a feed"):
        parse(b"\x00\x01 plainly not xml")


def test_malformed_but_recoverable():
    broken = rss("<item><title>Kept</title><guid>k</guid><description>ok &nbsp; <b>unclosed</description></item>")
    feed = parse(broken.replace("</channel></rss>", "</channel>"))
    assert [e.title for e in feed.entries] == ["Kept"]
    assert any("malformed XML, entries recovered" in w for w in feed.warnings)


def test_shared_guid_and_link_stay_distinct_and_stable():
    items = "".join(
        f"<item><title>Post {n}</title><link>/blog/undefined</link><guid>/blog/undefined</guid>"
        f"<description>body {n}</description></item>"
        for n in (1, 2, 2)
    )
    first = parse(rss(items)).entries
    ids = [e.id for e in first]
    assert len(set(ids)) == 3 and all(i.startswith("/blog/undefined#") for i in ids)
    again = parse(rss(items)).entries
    assert [e.id for e in again] == ids


def test_no_guid_no_link_uses_content_hash():
    feed = parse(rss("<item><title>A</title><description>x</description></item>"
                     "<item><title>B</title><description>y</description></item>"))
    a, b = feed.entries
    assert a.id.startswith("urn:sha1:") and a.id != b.id


def test_undated_items_of_a_first_fetch_sit_below_every_dated_one_in_the_feeds_order():
    body = rss(
        "<item><title>Top</title><guid>u1</guid><description>x</description></item>"
        "<item><title>Dated</title><guid>d</guid><pubDate>Sun, 01 Feb 2015 00:00:00 GMT</pubDate></item>"
        "<item><title>Next</title><guid>u2</guid><description>x</description></item>"
        "<item><title>Last</title><guid>u3</guid><description>x</description></item>"
    )
    feed = parse(body)
    by_id = {e.id: e for e in feed.entries}
    undated = [by_id[i] for i in ("u1", "u2", "u3")]
    assert [e.date_known for e in undated] == [False] * 3 and by_id["d"].date_known
    assert undated[0].published > undated[1].published > undated[2].published  # the feed's order, distinct
    assert max(e.published for e in undated) < datetime(1971, 1, 1, tzinfo=timezone.utc) < by_id["d"].published
    # stable: a later fetch gives them the same times, and still no date
    later = parse(body, first_seen=feed.first_seen, now=NOW + timedelta(days=3))
    assert [(e.id, e.published, e.date_known) for e in later.entries] == [(e.id, e.published, e.date_known) for e in feed.entries]


def test_an_item_first_seen_undated_in_a_later_fetch_is_new_as_of_then():
    body = rss("<item><title>Old</title><guid>u1</guid><description>x</description></item>")
    feed = parse(body)
    more = body.replace("<item>", "<item><title>New</title><guid>u9</guid><description>y</description></item><item>", 1)
    later = parse(more, first_seen=feed.first_seen, now=NOW + timedelta(days=3))
    new = next(e for e in later.entries if e.id == "u9")
    assert new.published == NOW + timedelta(days=3) and new.date_known
    assert later.first_seen["u9"] == "2026-03-04T12:00:00Z"
    again = parse(more, first_seen=later.first_seen, now=NOW + timedelta(days=9))
    assert next(e for e in again.entries if e.id == "u9").published == NOW + timedelta(days=3)  # never jumps


def test_future_date_is_clamped_to_now():
    body = rss("<item><title>F</title><guid>f</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>")
    assert parse(body).entries[0].published == NOW


def test_redated_entry_does_not_move_later():
    early = rss("<item><title>R</title><guid>r</guid><pubDate>Sun, 01 Feb 2026 00:00:00 GMT</pubDate></item>")
    first = parse(early, now=datetime(2026, 2, 2, tzinfo=timezone.utc))
    redated = early.replace("01 Feb 2026", "20 Feb 2026")
    later = parse(redated, first_seen=first.first_seen)
    assert later.entries[0].published == datetime(2026, 2, 2, tzinfo=timezone.utc)
    # An earlier correction is taken as is.
    corrected = parse(early.replace("01 Feb 2026", "15 Jan 2026"), first_seen=first.first_seen)
    assert corrected.entries[0].published == datetime(2026, 1, 15, tzinfo=timezone.utc)


def test_empty_title_gets_words_from_the_body():
    (entry,) = parse(rss("<item><title></title><guid>m</guid><description>&lt;p&gt;A tiny microblog "
                         "post &amp;amp; nothing more.&lt;/p&gt;</description></item>")).entries
    assert entry.title == "A tiny microblog post & nothing more."


def test_platform_detection_and_override():
    ghost = rss("<item><title>G</title><guid>g</guid><description>x</description></item>",
                channel="<generator>Ghost 5.78</generator>")
    assert parse(ghost).platform == "ghost"
    grid = rss("<item><title>G</title><guid>g</guid></item>", channel="<generator>Gridsome Feed Plugin</generator>")
    assert parse(grid).platform == "gridsome"
    forem = rss('<item><title>F</title><guid>f</guid><description>&lt;a class="article-body-image-wrapper" '
                'href="x"&gt;&lt;/a&gt;</description></item>')
    assert parse(forem).platform == "forem"
    forced = FeedSource(name="demo", url=SOURCE.url, platform="gridsome")
    assert parse(ghost, source=forced).entries[0].platform == "gridsome"


def test_markdown_body_detection():
    md = "\nIntro with [a link](https://x.example/) and `code`.\n\n## Part\n\n```py\nprint('<p>')\n```\n\n- one\n- two\n"
    body = rss(f"<item><title>M</title><guid>m</guid><content:encoded><![CDATA[{md}]]></content:encoded></item>")
    assert parse(body).entries[0].content_type == "markdown"
    islands = '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\nFirst words.\n\nMore words.\n'
    assert detect_markdown(islands)
    assert not detect_markdown("<p>Paragraph with [brackets](not md)</p><p>Two</p><ul><li>x</li></ul>")
    assert not detect_markdown("<h2>Title</h2>\n<p>Some `code` text</p>\n<pre><code>## not a heading</code></pre>")


def test_untyped_atom_content_holding_html_is_html():
    atom = """<feed xmlns="http://www.w3.org/2005/Atom"><title>W</title><id>w</id>
      <entry><id>e</id><title>E</title><updated>2026-01-01T00:00:00Z</updated>
      <content>&lt;p&gt;Escaped &lt;b&gt;html&lt;/b&gt;&lt;/p&gt;&lt;p&gt;two&lt;/p&gt;</content></entry></feed>"""
    (entry,) = parse(atom).entries
    assert entry.content_type == "html" and "<b>html</b>" in entry.content


def test_excerpt_only_feed():
    (entry,) = parse(rss("<item><title>T</title><guid>t</guid><description>Just the start of it [&#8230;]"
                         "</description></item>")).entries
    assert entry.is_excerpt


def test_feature_image_from_media_content():
    body = rss('<item><title>I</title><guid>i</guid><description>x</description>'
               '<media:content url="https://img.example/p.jpg" medium="image"/></item>').replace(
        "<rss ", '<rss xmlns:media="http://search.yahoo.com/mrss/" ')
    assert parse(body).entries[0].image == "https://img.example/p.jpg"


def test_failed_and_not_modified_results():
    failed = FetchResult(source=SOURCE, status="failed", url=SOURCE.url, error="HTTP 404")
    with pytest.raises(FetchError, match="HTTP 404"):
        parse_feed(failed, SOURCE, {}, NOW)
    unchanged = FetchResult(source=SOURCE, status="not_modified", url=SOURCE.url)
    assert parse_feed(unchanged, SOURCE, {"a": "2026-01-01T00:00:00Z"}, NOW).entries == []


def test_plain_text():
    assert plain_text("<p>A &amp;amp; B</p>\n <i>c</i>") == "A & B c"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;x") == "alert(1) x"


def _real_files():
    files = sorted((SHARED / "seeds").glob("*.txt")) + sorted(p for p in (SHARED / "wild").glob("*") if p.suffix != ".md")
    return files


@pytest.mark.parametrize("path", _real_files() or [None], ids=lambda p: p.name if p else "absent")
def test_real_feeds_parse_or_fail_cleanly(path):
    if path is None:
        pytest.skip("../shared/seeds and ../shared/wild are absent")
    try:
        feed = parse(path.read_bytes())
    except FetchError as exc:
        assert "not a feed" in exc.reason or "malformed" in exc.reason
        return
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids))
    for entry in feed.entries:
        assert entry.title and entry.published.tzinfo is not None and entry.published <= NOW
        assert not any(tag in entry.title for tag in ("<p>", "<b>", "<i>", "<br"))


def test_html_code_block_with_blank_lines_and_no_paragraphs_is_html():
    # A <pre>'s blank lines and tagless lines are code, not Markdown prose paragraphs.
    assert not detect_markdown("<div><pre><code>import os\n\nprint(1)\n\nx = 2\n</code></pre></div>")
    assert not detect_markdown('<div class="highlight"><pre><span></span>a\n\nb\n\nc</pre></div>\n\n<div><pre>x\n\ny</pre></div>')
    assert detect_markdown("# Title\n\nSome prose.\n\n```\ncode\n```\n")


# ---------------------------------------------------------------- URLs from metadata


HOSTILE_RSS = rss(
    """<item><title>Hostile</title>
    <link>javascript:alert(document.cookie)</link><guid isPermaLink="false">urn:hostile</guid>
    <description>Body.</description>
    <media:content xmlns:media="http://search.yahoo.com/mrss/" url="javascript:alert(1)" medium="image"/>
    <media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" url="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>
    <enclosure url="/images/cover image.png" type="image/png" length="1"/>
    </item>
    <item><title>Guid as link</title><guid>JAVASCRIPT:alert(2)</guid><description>Other body.</description></item>
    <item><title>Encoded</title><link>https://blog.example.org/a b/"quoted"/&lt;x&gt;</link><description>Third.</description></item>""",
    channel="",
).replace("<link>https://blog.example.org/</link>", "<link>javascript:alert(3)</link>")


def test_metadata_urls_keep_only_http_and_https():
    feed = parse(HOSTILE_RSS)
    hostile, guid_link, encoded = feed.entries
    assert feed.link == ""  # the channel's javascript: link is no home page
    assert hostile.link == "" and hostile.base_url == ""
    # the media:content and thumbnail are no images; the enclosure is, resolved and encoded
    assert hostile.image == "https://blog.example.org/images/cover%20image.png"
    assert guid_link.link == "" and guid_link.id == "JAVASCRIPT:alert(2)"  # an id is not a link
    assert encoded.link == "https://blog.example.org/a%20b/%22quoted%22/%3Cx%3E"


def test_an_item_keeps_its_identity_when_its_link_is_encoded():
    # no guid: the item is known by its link as written, so articles fetched before
    # links were encoded are found again rather than written twice
    body = rss("<item><title>T</title><link>https://blog.example.org/a b/</link><description>x</description></item>")
    (entry,) = parse(body).entries
    assert entry.id == "https://blog.example.org/a b/"
    assert entry.link == "https://blog.example.org/a%20b/"


def test_json_feed_urls_of_the_wrong_type_or_scheme_are_dropped():
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": "J", "home_page_url": "javascript:alert(1)",
        "items": [
            {"id": "1", "url": "vbscript:x", "content_html": "<p>a</p>", "image": "data:image/png;base64,AA",
             "banner_image": "//cdn.example.com/banner.png"},
            {"id": "2", "url": ["https://j.example.com/2"], "content_html": "<p>b</p>", "image": 7},
        ],
    }
    feed = parse(json.dumps(doc), headers={"Content-Type": "application/feed+json"})
    first, second = feed.entries
    assert feed.link == "" and first.link == "" and second.link == ""
    assert first.image == "https://cdn.example.com/banner.png" and second.image == ""


def test_text_a_page_cannot_carry_is_left_out_of_metadata():
    # front matter refuses C0 controls, U+FFFE/U+FFFF and lone surrogates: one item must
    # not stop the build, so feed text loses them
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": "J\x08",
        "items": [{"id": "a\x00b\ufffe", "title": "T\x07i\ud800tle", "content_text": "x", "summary": "S\x0b",
                   "authors": [{"name": "A\x1fnn"}], "tags": ["t\x01ag"]}],
    }
    feed = parse(json.dumps(doc), headers={"Content-Type": "application/feed+json"})
    (entry,) = feed.entries
    assert (feed.title, entry.id, entry.title, entry.author, entry.tags) == ("J", "ab", "Title", "Ann", ("tag",))


def test_json_feed_fields_of_the_wrong_type_count_as_absent():
    items = [
        {"id": 7, "title": ["a", "list"], "content_html": "<p>x</p>", "date_published": 12345, "url": {"x": 1},
         "tags": [1, None, "ok"], "authors": "someone", "image": 99},
        {"id": {"nested": True}, "title": "Fine", "content_text": "text", "authors": [{"name": 5}, {"name": "Ann"}]},
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": ["t"], "home_page_url": 5, "items": items})
    source = FeedSource("j", "https://j.example/feed.json")
    parsed = parse_feed(FetchResult(source, "ok", source.url, body.encode(), {"Content-Type": "application/feed+json"}),
                        source, {}, datetime(2026, 1, 2, tzinfo=timezone.utc))
    first, second = parsed.entries
    assert (first.id, first.link, first.tags, first.image, first.author) == ("7", "", ("ok",), "", "")
    assert first.title == "x" and second.author == "Ann" and second.id.startswith("urn:sha1:")
    assert parsed.title == "" and parsed.link == ""


@pytest.mark.parametrize("author_xml, name", [
    # Blogger's Atom: a name, a no-reply address and a profile link
    ("<author><name>Quill</name><uri>https://www.blogger.example/profile/1</uri><email>noreply@blogger.example</email></author>", "Quill"),
    ("<author><email>only@an.example</email></author>", ""),
])
def test_atom_author_is_the_name_alone(author_xml: str, name: str):
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:f</id><updated>2026-01-02T00:00:00Z</updated>
      <generator version="7.00" uri="https://www.blogger.example">Blogger</generator>
      <entry><title>One</title><id>urn:1</id><link rel="alternate" href="https://b.example/1.html"/>
        <published>2026-01-02T08:30:00Z</published>{author_xml}
        <content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""
    (entry,) = parse(atom).entries
    assert entry.author == name


@pytest.mark.parametrize("author, name", [
    ("noreply@blog.example (Quill Penn)", "Quill Penn"),  # RSS 2.0 <author>: an address, then the name
    ("quill@blog.example", ""),
])
def test_rss_author_address_is_left_out(author: str, name: str):
    (entry,) = parse(rss(f"<item><title>x</title><guid>urn:x</guid><author>{author}</author>"
                         "<pubDate>Mon, 05 Jan 2026 10:00:00 +0100</pubDate><description>Body.</description></item>")).entries
    assert entry.author == name


def test_real_blogger_feed_credits_names_without_addresses():
    path = SHARED / "wild" / "blogger-1.xml"
    if not path.is_file():
        pytest.skip("../shared/wild is absent")
    entries = parse(path.read_bytes()).entries
    assert entries and all(e.author and "@" not in e.author for e in entries)
