"""The whole pipeline on the real seed feeds served from 127.0.0.1: fetch, normalise, build.

Skipped when ../shared/seeds is absent. Checks one article per item, the platform of
each feed, and that code blocks, links and images of the originals reach the pages.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import read_articles
from feedserver import FeedServer, conditional

from generator.cli import main
from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

SEED_FEEDS = {"forem": "000_b9ced0cdbdbf32a6.txt", "ghost": "002_685b812867f2dbb7.txt", "gridsome": "003_96f6392ab5b63f2e.txt"}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not present")
    root = tmp_path_factory.mktemp("e2e")
    with FeedServer() as server:
        tables = []
        for platform, name in SEED_FEEDS.items():
            url = server.route(f"/{platform}.xml", conditional((seeds / name).read_bytes(), etag=f'"{platform}"'))
            tables.append(f'[[feed]]\nname = "{platform}-blog"\nurl = "{url}"\n')
        (root / "feeds").mkdir()
        (root / "feeds/feeds.toml").write_text("\n".join(tables))
        (root / "site.toml").write_text('title = "E2E"\nbase_url = "https://e2e.example/"\n')
        assert main(["--root", str(root), "-q", "fetch", "--strict"]) == 0
    from conftest import install_theme

    install_theme(root)
    build_site(load_site_config(root), BuildOptions(now=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    return root


def _items(platform: str) -> int:
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    return len(feedparser.parse(io.BytesIO((seeds / SEED_FEEDS[platform]).read_bytes())).entries)


def test_one_article_per_item_with_detected_platform(built_site: Path):
    articles = read_articles(built_site / "content")
    for platform in SEED_FEEDS:
        mine = [a for a in articles if a.source == f"{platform}-blog"]
        assert len(mine) == _items(platform) > 0
        assert {a.platform for a in mine} == {platform}
        assert len({a.path for a in mine}) == len(mine)


def test_every_article_has_a_page_with_its_code_blocks(built_site: Path):
    articles = read_articles(built_site / "content")
    pages = list((built_site / "public/posts").glob("*/index.html"))
    assert len(pages) == len(articles)
    fences = sum(len(re.findall(r"^(```|~~~)", a.body, re.MULTILINE)) // 2 for a in articles)
    blocks = sum(len(BeautifulSoup(p.read_text(), "html.parser").select(".e-content pre > code")) for p in pages)
    assert fences > 20 and blocks >= fences


def test_imported_pages_have_no_platform_chrome_or_scripts(built_site: Path):
    for page in (built_site / "public/posts").glob("*/index.html"):
        html = page.read_text()
        soup = BeautifulSoup(html, "html.parser")
        body = soup.select_one(".e-content")
        assert body.find("script") is None
        assert "Enter fullscreen mode" not in body.get_text()
        assert soup.find("link", rel="canonical")["href"].startswith("http")


def test_refetch_of_unchanged_feeds_writes_nothing(built_site: Path):
    content = built_site / "content"
    before = {p: p.stat().st_mtime_ns for p in content.rglob("*.md")}
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    with FeedServer() as server:
        tables = []
        for platform, name in SEED_FEEDS.items():
            # A server that ignores validators: every item is parsed and normalised again.
            url = server.route(f"/{platform}.xml", conditional((seeds / name).read_bytes()))
            tables.append(f'[[feed]]\nname = "{platform}-blog"\nurl = "{url}"\n')
        (built_site / "feeds/feeds.toml").write_text("\n".join(tables))
        assert main(["--root", str(built_site), "-q", "fetch"]) == 0
    assert {p: p.stat().st_mtime_ns for p in content.rglob("*.md")} == before


HOSTILE_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Hostile &lt;script&gt;alert(0)&lt;/script&gt;</title><link>https://hostile.example/</link>
<item>
  <title>&lt;script&gt;alert(1)&lt;/script&gt;Hostile &lt;img src=x onerror=alert(2)&gt;title</title>
  <link>javascript:alert(3)</link>
  <guid>hostile-1</guid>
  <pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate>
  <dc:creator>&lt;svg onload=alert(4)&gt;Mallory</dc:creator>
  <category>&lt;b onmouseover=alert(5)&gt;evil&lt;/b&gt;</category>
  <category>javascript:alert(6)</category>
  <description>&lt;a href="javascript:alert(7)"&gt;summary&lt;/a&gt;</description>
  <content:encoded><![CDATA[<p onclick="alert(8)">Body <a href="javascript:alert(9)">link</a>
  <a href="jav&#x09;ascript:alert(10)">tab</a> <img src="x" onerror="alert(11)"></p>
  <script>alert(12)</script><style>body{display:none}</style>
  <iframe src="https://evil.example/frame"></iframe><object data="x.swf"></object>
  <form action="https://evil.example/"><input name="q"></form><base href="https://evil.example/">
  <p>[md](javascript:alert(13)) and <code>&lt;script&gt;alert(14)&lt;/script&gt;</code> as code.</p>]]></content:encoded>
</item>
</channel></rss>
"""


def test_hostile_item_leaves_nothing_executable_in_the_built_site(tmp_path: Path):
    from conftest import install_theme

    root = tmp_path / "site"
    with FeedServer() as server:
        url = server.route("/hostile.xml", conditional(HOSTILE_FEED))
        (root / "feeds").mkdir(parents=True)
        (root / "feeds/feeds.toml").write_text(f'[[feed]]\nname = "hostile"\nurl = "{url}"\n')
        (root / "site.toml").write_text('title = "Safe"\nbase_url = "https://safe.example/"\n')
        assert main(["--root", str(root), "-q", "fetch", "--strict"]) == 0
    install_theme(root)
    build_site(load_site_config(root), BuildOptions(now=datetime(2030, 1, 1, tzinfo=timezone.utc)))
    public = root / "public"
    pages = [p for p in public.rglob("*.html")]
    assert any("posts" in p.parts for p in pages)
    for page in pages:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/") or script.get("type") == "application/ld+json", page
        for tag in soup.find_all(True):
            assert tag.name not in ("style", "object", "embed", "base", "svg"), (page, tag.name)
            if tag.name == "form":  # only the site's own search form
                assert "search-form" in tag.get("class", []), page
            for attr, value in tag.attrs.items():
                assert not attr.lower().startswith("on"), (page, tag.name, attr)
                if attr in ("href", "src", "action"):
                    text = re.sub(r"[\x00-\x20]", "", str(value)).lower()
                    assert not text.startswith(("javascript:", "vbscript:", "data:")), (page, attr, value)
            if tag.name == "iframe":
                assert "evil.example" not in tag.get("src", "")
        for data in soup.find_all("script", type="application/ld+json"):
            assert "</script" not in data.string.lower()
    article = next(public.glob("posts/*/index.html")).read_text()
    assert "&lt;script&gt;alert(14)&lt;/script&gt;" in article  # code about scripts is kept as text
    for xml in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse(io.BytesIO((public / xml).read_bytes()))
        content = BeautifulSoup(parsed.entries[0].content[0].value, "html.parser")
        assert not content.find_all(("script", "style", "iframe", "object", "embed")), xml
        for tag in content.find_all(True):
            assert not any(attr.lower().startswith("on") for attr in tag.attrs), (xml, tag)
            for attr in ("href", "src"):
                assert not re.sub(r"[\x00-\x20]", "", tag.get(attr, "")).lower().startswith(("javascript:", "vbscript:", "data:")), (xml, tag)
        # Markdown link syntax written as prose stays prose: text, never a link.
        assert "[md](javascript:alert(13))" in content.get_text() and not content.find("a", string="md")
