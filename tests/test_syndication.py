"""syndication.py: the site's RSS, Atom and JSON feeds parse back, with absolute URLs only."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import feedparser
from conftest import post

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.site.syndication import absolutize

BODY = '[rel](other/) and [root](/about/) ![img](/img/a.png "t") [anchor](#x) [mail](mailto:a@b.c)\n\n<img src="pic.png" srcset="a.png 1x, /b.png 2x" alt="p">\n'
SITE = {
    "site.toml": 'title = "Feeds & Co"\nbase_url = "https://example.org/blog/"\ndescription = "D"\n',
    "content/posts/one.md": post("One <b>", "2024-01-01T10:00:00Z", body=BODY, tags="[py]", author="Ann"),
    "content/posts/two.md": post("Two", "2024-02-01T10:00:00Z", body="Second body.\n"),
}
URL_RE = re.compile(r"""(?:href|src)=["']([^"']+)["']""")


def _build(make_site) -> Path:
    root = make_site(SITE)
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    return root / "public"


def _assert_absolute(html: str) -> None:
    for url in URL_RE.findall(html):
        assert url.startswith(("https://", "mailto:")), url


def test_rss_and_atom_parse_back(make_site):
    out = _build(make_site)
    for name in ("feed.xml", "atom.xml", "tags/py/feed.xml", "tags/py/atom.xml"):
        parsed = feedparser.parse(io.BytesIO((out / name).read_bytes()))
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        titles = [e.title for e in parsed.entries]
        assert "One <b>" in titles
        entry = next(e for e in parsed.entries if e.title == "One <b>")
        assert entry.link == "https://example.org/blog/posts/one-b/"
        assert entry.published_parsed[:4] == (2024, 1, 1, 10)
        html = entry.content[0].value
        assert "https://example.org/blog/posts/one-b/other/" in html
        assert "https://example.org/img/a.png" in html
        assert "https://example.org/b.png 2x" in (out / name).read_text()  # feedparser drops srcset itself
        _assert_absolute(html)
    rss = feedparser.parse(io.BytesIO((out / "feed.xml").read_bytes()))
    assert [e.title for e in rss.entries] == ["Two", "One <b>"]


def test_json_feed(make_site):
    feed = json.loads((_build(make_site) / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and feed["title"] == "Feeds & Co"
    first = feed["items"][1]
    assert first["url"] == "https://example.org/blog/posts/one-b/" and first["authors"] == [{"name": "Ann"}]
    assert first["date_published"] == "2024-01-01T10:00:00+00:00" and first["tags"] == ["py"]
    _assert_absolute(first["content_html"])


def test_sitemap_and_robots(make_site):
    out = _build(make_site)
    sitemap = (out / "sitemap.xml").read_text()
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert "https://example.org/blog/posts/two/" in locs and "https://example.org/blog/" in locs
    assert all(loc.startswith("https://example.org/blog/") for loc in locs)
    assert "Sitemap: https://example.org/blog/sitemap.xml" in (out / "robots.txt").read_text()


def test_absolutize_leaves_absolute_and_data_urls():
    html = '<a href="https://x.org/">x</a><img src="data:image/png;base64,AA"><a href=\'rel\'>r</a>'
    out = absolutize(html, "https://site.org/posts/p/")
    assert 'href="https://x.org/"' in out and 'src="data:image/png;base64,AA"' in out
    assert "href='https://site.org/posts/p/rel'" in out

