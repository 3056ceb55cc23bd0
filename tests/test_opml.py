"""OPML 2.0 import and export."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.fetching.opml import OpmlError, OpmlFeed, name_for, read_opml, write_opml
from generator.models import FeedSource

FIXTURE = Path(__file__).parent / "fixtures" / "feeds" / "subscriptions.opml"


def test_read_flattens_folders_and_reads_categories():
    feeds = read_opml(FIXTURE.read_bytes())
    assert [f.url for f in feeds] == ["https://kettle.example/rss/", "https://lighthouse.example/atom.xml",
                                      "https://cafe.example/feed.xml"]
    assert feeds[0].title == "Kettle Notes" and feeds[0].html_url == "https://kettle.example/"
    assert feeds[1].tags == ("python", "typing")
    assert [name_for(f) for f in feeds] == ["kettle-notes", "lighthouse-log", "cafe-python"]


def test_export_then_import_gives_the_sources_back():
    sources = [
        FeedSource(name="kettle", url="https://kettle.example/rss/", title='Kettle "Notes" & <more>', tags=("python",)),
        FeedSource(name="plain", url="https://plain.example/feed?a=1&b=2"),
    ]
    data = write_opml(sources, title="My planet")
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = read_opml(data)
    assert back == [
        OpmlFeed(url="https://kettle.example/rss/", name="kettle", title='Kettle "Notes" & <more>', tags=("python",)),
        OpmlFeed(url="https://plain.example/feed?a=1&b=2", name="plain", title="plain"),
    ]
    assert write_opml(sources, title="My planet") == data  # deterministic


def test_name_falls_back_to_the_host():
    assert name_for(OpmlFeed(url="https://www.blog.example/feed")) == "blog"
    assert name_for(OpmlFeed(url="https://x.example/feed", title="日本語")) == "x"


@pytest.mark.parametrize("data, words", [
    (b"<opml><body>", "not well-formed XML"),
    (b"<rss/>", "not an OPML file: it starts with <rss>"),
    (b"<!DOCTYPE html>\n<html lang='en'><body><p>hi</p></body></html>", "not an OPML file: it starts with <html>"),
    (b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- <opml> -->\n<!DOCTYPE rss [<!ENTITY a 'b'>]><rss/>", "not an OPML file: it starts with <rss>"),
    (b"name,url\nx,https://x.example/\n", "not an OPML file: it has no XML element"),
    (b"<?xml version='1.0'?><!-- a comment --><opml version='2.0'><body>", "not well-formed XML"),
    (b"<opml version='2.0'><head/></opml>", "no <body> element"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml/>', "DTDs and entities are not allowed"),
])
def test_bad_opml_says_why(data, words):
    with pytest.raises(OpmlError, match=words):
        read_opml(data)
