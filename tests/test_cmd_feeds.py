"""``python build.py feeds add | import | export | list`` on a temp site, with a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FEED_FIXTURES
from feedserver import FeedServer, redirect, respond

from generator.cli import main
from generator.commands.feeds import toml_feed_table
from generator.config import load_feed_sources
from generator.fetching.discover import discover_feeds
from generator.models import FeedSource

GHOST = (FEED_FIXTURES / "ghost_like.xml").read_bytes()
HOME = (FEED_FIXTURES / "home_page.html").read_bytes()


@pytest.fixture
def root(tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "site.toml").write_text('title = "My planet"\n')
    (tmp_path / "feeds" / "feeds.toml").write_text('# my feeds\n[[feed]]\nname = "old"\nurl = "https://old.example/rss"\n')
    return tmp_path


def feeds(root: Path) -> list[FeedSource]:
    return load_feed_sources(root / "feeds")


def cli(root: Path, *args: str) -> int:
    return main(["--root", str(root), "feeds", *args])


def test_add_a_feed_url(root, feed_server, capsys):
    url = feed_server.route("/rss/", respond(200, GHOST))
    assert cli(root, "add", url, "--tag", "python") == 0
    assert capsys.readouterr().out.strip() == f"added 'kettle-notes' ({url}, ghost) to feeds/feeds.toml"
    assert [(f.name, f.url, f.tags) for f in feeds(root)] == [
        ("old", "https://old.example/rss", ()), ("kettle-notes", url, ("python",))]
    text = (root / "feeds" / "feeds.toml").read_text()
    assert text.startswith("# my feeds\n")
    # What was detected is written down, so feeds.toml shows what the site will show.
    assert (feeds(root)[-1].title, feeds(root)[-1].platform) == ("Kettle Notes", "ghost")
    assert text.endswith(f'name = "kettle-notes"\nurl = "{url}"\ntitle = "Kettle Notes"\ntags = ["python"]\nplatform = "ghost"\n')


def test_add_a_home_page_discovers_its_feed(root, feed_server, capsys):
    feed_server.route("/", respond(200, HOME, {"Content-Type": "text/html; charset=utf-8"}))
    feed_url = feed_server.route("/rss/", respond(200, GHOST))
    assert cli(root, "add", feed_server.url("/"), "--name", "kettle") == 0
    assert feeds(root)[-1] == FeedSource(name="kettle", url=feed_url, title="Kettle Notes", platform="ghost", defined_in="feeds/feeds.toml")


def test_add_a_feed_served_as_text_html(root, feed_server):
    url = feed_server.route("/rss/", respond(200, GHOST, {"Content-Type": "text/html"}))
    assert cli(root, "add", url, "--name", "kettle") == 0
    assert feeds(root)[-1].url == url


def test_add_follows_a_permanent_redirect(root, feed_server):
    new = feed_server.route("/new", respond(200, GHOST))
    assert cli(root, "add", feed_server.route("/old", redirect(308, "/new"))) == 0
    assert feeds(root)[-1].url == new


def test_add_a_page_without_a_feed_says_so_and_writes_nothing(root, feed_server, capsys):
    before = (root / "feeds" / "feeds.toml").read_bytes()
    url = feed_server.route("/", respond(200, b"<!doctype html><html><head></head><body>hi</body></html>", {"Content-Type": "text/html"}))
    assert cli(root, "add", url) == 1
    assert "this page advertises no feed" in capsys.readouterr().err
    assert (root / "feeds" / "feeds.toml").read_bytes() == before


def test_add_an_unreachable_url_fails_in_one_line(root, capsys):
    with FeedServer() as closed:
        url = closed.url("/rss")
    assert cli(root, "add", url) == 1
    assert capsys.readouterr().err.strip() == f"error: cannot add {url}: cannot connect: connection refused"


@pytest.mark.parametrize("url, hint", [
    ("not-a-url", ""),
    ("blog.example/feed.xml", " (did you mean 'https://blog.example/feed.xml'?)"),
    ("ftp://blog.example/feed.xml", ""),
    ("https://", ""),
])
def test_add_something_that_is_not_a_web_address_is_bad_usage(root, capsys, url, hint):
    before = (root / "feeds" / "feeds.toml").read_bytes()
    assert cli(root, "add", url) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: feeds add: {url!r} is not a web address; give a feed's or a site's URL starting with https:// or http://{hint}"
    assert "redirect" not in err
    assert (root / "feeds" / "feeds.toml").read_bytes() == before


def test_add_an_existing_url_is_refused(root, capsys):
    assert cli(root, "add", "--no-check", "https://old.example/rss") == 2
    assert "already subscribed as 'old'" in capsys.readouterr().err


def test_add_without_check_names_the_feed_from_its_host(root):
    assert cli(root, "add", "--no-check", "https://www.newblog.example/feed.xml") == 0
    assert feeds(root)[-1].name == "newblog"


def test_import_then_export_round_trips(root, capsys, tmp_path):
    assert cli(root, "import", str(FEED_FIXTURES / "subscriptions.opml")) == 0
    assert "imported 3 feeds" in capsys.readouterr().out
    names = [f.name for f in feeds(root)]
    assert names == ["old", "kettle-notes", "lighthouse-log", "cafe-python"]
    assert feeds(root)[2].tags == ("python", "typing") and feeds(root)[3].title == "Café Python"

    assert cli(root, "export") == 0
    exported = capsys.readouterr().out
    assert '<title>My planet</title>' in exported and 'xmlUrl="https://cafe.example/feed.xml"' in exported
    assert cli(root, "import", str(FEED_FIXTURES / "subscriptions.opml")) == 0  # again: nothing new
    assert "imported 0 feeds" in capsys.readouterr().out and len(feeds(root)) == 4

    other = tmp_path / "other"
    (other / "feeds").mkdir(parents=True)
    (other / "site.toml").write_text('title = "My planet"\n')
    (tmp_path / "out.opml").write_text(exported)
    assert cli(other, "import", str(tmp_path / "out.opml")) == 0
    assert [(f.name, f.url, f.title, f.tags) for f in feeds(other)] == [(f.name, f.url, f.title, f.tags) for f in feeds(root)]
    assert cli(other, "export", "-o", str(tmp_path / "again.opml")) == 0
    assert (tmp_path / "again.opml").read_text() == exported


def test_import_a_broken_file_is_a_config_error(root, tmp_path, capsys):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body>")
    assert cli(root, "import", str(bad)) == 2
    assert "bad.opml: not well-formed XML" in capsys.readouterr().err


def test_import_an_html_page_says_it_is_not_opml(root, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>a page</p></body></html>\n")
    before = (root / "feeds" / "feeds.toml").read_bytes()
    assert cli(root, "import", str(page)) == 2
    err = capsys.readouterr().err
    assert "page.html: not an OPML file: it starts with <html>" in err and "DTD" not in err
    assert (root / "feeds" / "feeds.toml").read_bytes() == before


def test_list_shows_the_last_status(root, capsys):
    (root / "feeds" / "feeds.toml").write_text(
        '[[feed]]\nname = "good"\nurl = "https://g.example/"\n[[feed]]\nname = "bad"\nurl = "https://b.example/"\n'
        '[[feed]]\nname = "new"\nurl = "https://n.example/"\n[[feed]]\nname = "off"\nurl = "https://o.example/"\nenabled = false\n')
    (root / "feeds" / "state.json").write_text(json.dumps({"version": 1, "feeds": {
        "good": {"last_success": "2026-03-02T08:00:00Z", "platform": "ghost"},
        "bad": {"consecutive_failures": 3, "last_error": "HTTP 404", "last_success": "2026-02-01T00:00:00Z"}}}))
    assert cli(root, "list") == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "ghost" in lines["good"] and "ok at 2026-03-02T08:00:00Z" in lines["good"]
    assert "failing (3x): HTTP 404, last success 2026-02-01T00:00:00Z" in lines["bad"]
    assert "never fetched" in lines["new"] and "disabled" in lines["off"]


def test_toml_table_escapes_and_loads_back(tmp_path):
    source = FeedSource(name="q", url="https://q.example/?a=\"b\"", title='Back\\slash "quoted"\ttab',
                        tags=("a", "b c"), include=("re:^\\d+",), max_items=3, platform="ghost", enabled=False)
    (tmp_path / "f.toml").write_text(toml_feed_table(source))
    (loaded,) = load_feed_sources(tmp_path)
    assert loaded == FeedSource(**{**source.__dict__, "defined_in": f"{tmp_path.name}/f.toml"})


def test_toml_table_leaves_defaults_out():
    source = FeedSource(name="q", url="https://q.example/", max_items=200, enabled=True, title="")
    assert toml_feed_table(source) == '[[feed]]\nname = "q"\nurl = "https://q.example/"\n'


def test_discovery_prefers_feeds_over_comments_and_resolves_urls():
    page = b"""<html><head><base href="https://site.example/blog/">
    <link rel="alternate" type="application/rss+xml" title="Comments" href="comments/feed/">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    <link rel="alternate" type="application/atom+xml" href="atom.xml">
    <link rel="stylesheet" type="text/css" href="x.css">
    <link rel="alternate" hreflang="fr" href="/fr/"></head></html>"""
    assert discover_feeds(page, "https://site.example/") == [
        "https://site.example/blog/atom.xml", "https://site.example/blog/feed.json",
        "https://site.example/blog/comments/feed/"]


def test_add_writes_a_hostile_title_on_one_bounded_line(root, feed_server):
    title = 'Line one\n\t"quoted" \\ [[feed]] ' + "long " * 100
    body = GHOST.replace(b"<![CDATA[Kettle Notes]]>", f"<![CDATA[{title}]]>".encode(), 1)
    url = feed_server.route("/rss/", respond(200, body))
    assert cli(root, "add", url, "--name", "kettle") == 0
    written = feeds(root)[-1]
    assert written.title.startswith('Line one "quoted" \\ [[feed]] long') and written.title.endswith("…")
    assert len(written.title) <= 121 and "\n" not in written.title
    assert [f.name for f in feeds(root)] == ["old", "kettle"]


def test_add_without_a_feed_title_writes_none(root, feed_server):
    body = GHOST.replace(b"<![CDATA[Kettle Notes]]>", b"", 1)
    url = feed_server.route("/rss/", respond(200, body))
    assert cli(root, "add", url, "--name", "kettle") == 0
    assert (feeds(root)[-1].title, feeds(root)[-1].platform) == ("", "ghost")


@pytest.mark.parametrize("action, words", [
    ("add", ["url ", "RSS, Atom or JSON Feed", "--name NAME", "--tag TAG", "--no-check", "title and detected platform"]),
    ("import", ["file ", "OPML file"]),
    ("export", ["-o OUTPUT, --output OUTPUT", "default: stdout"]),
    ("list", ["last status", "nothing is fetched"]),
])
def test_each_action_help_describes_its_arguments(root, capsys, action, words):
    assert cli(root, action, "--help") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert all(word in text for word in words), text
