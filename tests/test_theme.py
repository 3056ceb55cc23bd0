"""The theme's built output (templates/ and static/), checked without a browser.

Built from the theme test site (tests/browser/site/): size budget for CSS and JS, no
inline script or style (so the Content-Security-Policy holds), no third-party assets,
metadata per page, JSON-LD on articles, and what each listing entry shows.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import post
from theme_site import ARTICLES, AUTHORED, DRAFT, build_theme_site

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

BUDGET = 30 * 1024  # bytes of CSS and JS, all together


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    return build_theme_site(tmp_path_factory.mktemp("theme"))


def _soup(public: Path, url: str) -> BeautifulSoup:
    path = public / (url.strip("/") + "/index.html" if url.endswith("/") and url != "/" else url.strip("/") or "index.html")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pages(public: Path) -> list[Path]:
    return sorted(public.rglob("*.html"))


def test_css_and_js_stay_under_the_budget(public):
    assets = [p for p in (public / "static").rglob("*") if p.suffix in (".css", ".js")]
    names = sorted(p.name.split(".")[0] for p in assets)
    assert names == ["highlight", "search", "site", "style"]
    total = sum(p.stat().st_size for p in assets)
    print(f"\nCSS+JS: {total:,} bytes ({', '.join(f'{p.name} {p.stat().st_size:,}' for p in sorted(assets))})")
    assert total < BUDGET


def test_no_inline_script_or_style_and_nothing_from_other_hosts(public):
    for path in _pages(public):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(public)
        assert soup.find("style") is None, where
        for script in soup.find_all("script"):
            assert script.get("src", "").startswith("/static/") or script.get("type") == "application/ld+json", (where, script)
        for link in soup.find_all("link", rel="stylesheet"):
            assert link["href"].startswith("/static/"), where
        for tag in soup.find_all(True):
            assert "style" not in tag.attrs, (where, tag.name)
            assert not any(a.startswith("on") for a in tag.attrs), (where, tag.name)
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp


def test_every_page_has_metadata_and_one_h1(public):
    for path in _pages(public):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(public)
        assert soup.html["lang"] == "en", where
        assert len(soup.find_all("h1")) == 1, where
        assert soup.title.get_text().strip(), where
        assert soup.find("meta", attrs={"name": "description"})["content"].strip(), where
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical.startswith("https://"), where
        og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
        assert og["og:url"] == canonical and og["og:title"] and og["og:description"] and og["og:type"], where
        assert soup.find("meta", attrs={"name": "twitter:card"})["content"] in ("summary", "summary_large_image"), where
        assert soup.select_one("a.skip-link")["href"] == "#main-content" and soup.find("main", id="main-content"), where


def test_articles_link_originals_and_carry_json_ld(public):
    for platform, url in ARTICLES.items():
        soup = _soup(public, url)
        canonical = soup.find("link", rel="canonical")["href"]
        data = json.loads(soup.find("script", type="application/ld+json").string)
        assert data["@type"] == "BlogPosting" and data["headline"] == soup.h1.get_text()
        assert data["mainEntityOfPage"] == canonical and data["datePublished"]
        original = soup.select_one(".original a.u-syndication")
        if platform == "authored":
            assert canonical == "https://theme.example" + url and original is None
            assert "isBasedOn" not in data
        else:
            assert canonical.startswith("https://") and "theme.example" not in canonical
            assert original["href"] == canonical and original.get_text() == "Read the original article on " + canonical.split("/")[2]
            assert data["isBasedOn"] == canonical and data["author"]["@type"] == "Person"
    ghost = _soup(public, ARTICLES["ghost"])
    assert ghost.find("meta", property="og:image")["content"] == "https://theme.example/static/img/photo.svg"
    assert ghost.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"


def test_long_articles_get_a_table_of_contents_short_ones_do_not(public):
    toc = _soup(public, AUTHORED).select_one("nav.toc")
    ids = {h["id"] for h in _soup(public, AUTHORED).select(".e-content h2, .e-content h3") if "visually-hidden" not in h.get("class", [])}
    links = [a["href"][1:] for a in toc.find_all("a")]
    assert len(links) == 5 and set(links) == ids
    assert _soup(public, "/posts/a-short-note-on-tabs/").select_one("nav.toc") is None
    nav = _soup(public, AUTHORED).select_one("nav.post-nav")
    assert nav.select_one("a[rel=prev]")["href"] == "/posts/a-short-note-on-tabs/"  # authored posts lead to authored posts


def test_listing_entries_show_everything_a_reader_expects(public):
    soup = _soup(public, "/")
    entries = soup.select("ol.post-list > li.h-entry")
    assert [e.h2.get_text() for e in entries] == ["A field guide to readable pipelines", "Retry loops that know when to give up", "Notes on caching layers"]
    forem = entries[1]
    assert forem.select_one(".p-author").get_text() == "Ada Example"
    assert forem.select_one("a.source").get_text() == "Ada on Forem" and forem.select_one(".platform").get_text() == "Forem (dev.to)"
    assert forem.select_one("time.dt-published").get_text() == "20 February 2025"
    assert forem.select_one(".reading-time").get_text() == "1 min read"
    assert [a.get_text() for a in forem.select(".tags a.p-category")] == ["python", "networking"]  # the "#" is CSS
    assert forem.select_one(".p-summary").get_text().startswith("A retry loop needs a budget")
    pages = soup.select("nav.pagination ol a")
    assert [a.get_text() for a in pages] == ["Page 1", "Page 2"] and pages[0]["aria-current"] == "page"
    assert soup.select_one("nav.pagination a[rel=next]")["href"] == "/page/2/"


def test_pagination_shows_a_window_of_numbered_links(make_site):
    files = {"site.toml": 'per_page = 1\nbase_url = "https://example.org/"\n'}
    files.update({f"content/posts/p{i}.md": post(f"Post {i}", f"2024-01-{i:02d}") for i in range(1, 13)})
    root = make_site(files)
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    soup = BeautifulSoup((root / "public/page/6/index.html").read_text(), "html.parser")
    items = [li.get_text().strip() for li in soup.select("nav.pagination ol li")]
    assert items == ["Page 1", "…", "Page 4", "Page 5", "Page 6", "Page 7", "Page 8", "…", "Page 12"]


def test_json_ld_is_escaped_so_it_cannot_close_its_script(make_site):
    root = make_site({"content/posts/x.md": post('"Tricky \'q\' </script><b> & co"', "2024-01-01", summary='"a <!-- b"')})
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    text = next((root / "public/posts").rglob("index.html")).read_text()
    raw = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    assert data["headline"] == "Tricky 'q' </script><b> & co" and data["description"] == "a <!-- b"


def test_drafts_are_marked_and_kept_out_of_search_engines_when_shown(public, tmp_path):
    assert not (public / DRAFT.strip("/") / "index.html").exists()  # a normal build leaves it out
    for path in _pages(public):
        assert BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one(".draft-mark") is None, path
    with_drafts = build_theme_site(tmp_path, drafts=True)  # as serve and deploy previews build
    draft = _soup(with_drafts, DRAFT)
    assert draft.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert draft.select_one("header.post-header .byline .draft-mark").get_text() == "Draft"
    authored = _soup(with_drafts, AUTHORED)
    assert authored.find("meta", attrs={"name": "robots"}) is None and authored.select_one(".draft-mark") is None
    entries = _soup(with_drafts, "/").select("ol.post-list > li.h-entry")
    marked = [e.h2.get_text() for e in entries if e.select_one(".draft-mark")]
    assert marked == ["A draft about drafts"] and len(entries) > 1


def test_category_values_carry_no_hash_which_the_stylesheet_draws(public):
    for url in ("/", ARTICLES["forem"], "/tags/"):
        soup = _soup(public, url)
        names = [a.get_text() for a in soup.select(".p-category")] + [s.get_text() for s in soup.select(".tag-name")]
        assert names and not any(n.startswith("#") for n in names), url
    css = next((public / "static").glob("style.*.css")).read_text()
    assert '.tag-name::before { content: "#"; content: "#" / ""; }' in css


def test_sitemap_lists_only_pages_that_are_canonical_here(public):
    sitemap = (public / "sitemap.xml").read_text()
    locs = [line.split("<loc>")[1].split("</loc>")[0] for line in sitemap.splitlines() if "<loc>" in line]
    for platform, url in ARTICLES.items():
        canonical = _soup(public, url).find("link", rel="canonical")["href"]
        assert (canonical in locs) == (platform == "authored"), platform
        assert ("https://theme.example" + url in locs) == (platform == "authored"), platform
    for url in ("/", "/archive/", "/tags/", "/sources/", "/tags/python/"):
        assert "https://theme.example" + url in locs
    for loc in locs:  # and every page it lists says it is canonical at that address
        path = loc.removeprefix("https://theme.example")
        if path.endswith("/") and (public / path.strip("/")).is_dir():
            assert _soup(public, path).find("link", rel="canonical")["href"] == loc, path


def test_authors_are_shown_by_name_without_their_address(make_site):
    blogger = "Anthony (noreply@blogger.example)"
    root = make_site({
        "site.toml": 'base_url = "https://example.org/"\n',
        "feeds/feeds.toml": '[[feed]]\nname = "quill"\nurl = "https://quill.example/feeds/posts/default"\ntitle = "Quill"\n',
        "content/quill/2024-01-01-one.md": post("One", "2024-01-01", author=f'"{blogger}"', source="quill",
                                                original_url="https://quill.example/2024/01/one.html", guid="urn:1"),
    })
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    public = root / "public"
    page = (public / "posts/one/index.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one(".byline .p-author").get_text() == "Anthony"
    assert soup.find("meta", property="article:author")["content"] == "Anthony"
    assert json.loads(soup.find("script", type="application/ld+json").string)["author"]["name"] == "Anthony"
    assert "<dc:creator>Anthony</dc:creator>" in (public / "feed.xml").read_text()
    assert "<author><name>Anthony</name></author>" in (public / "atom.xml").read_text()
    assert json.loads((public / "feed.json").read_text())["items"][0]["authors"] == [{"name": "Anthony"}]
    for path in public.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert "noreply@" not in path.read_text(), path.relative_to(public)


CREDIT_FEEDS = """
[[feed]]
name = "ann"
url = "https://forem.example/feed/ann"
title = "DEV Community: Ann Lee"
platform = "forem"

[[feed]]
name = "dmitry"
url = "https://www.dmitry.example/rss/"
title = "Dmitry's website"
platform = "ghost"

[[feed]]
name = "plain"
url = "https://plain.example/feed/"
title = "Plain words"
platform = "generic"
"""


def _credit_site(make_site) -> Path:
    def imported(source: str, platform: str, author: str, url: str) -> str:
        return post(f"From {source}", "2024-01-01", author=author, source=source, platform=platform, original_url=url, guid=url)

    root = make_site({
        "site.toml": 'base_url = "https://planet.example/"\n',
        "feeds/feeds.toml": CREDIT_FEEDS,
        "content/ann/a.md": imported("ann", "forem", "Ann Lee", "https://forem.example/ann/a-1x2"),
        "content/dmitry/d.md": imported("dmitry", "ghost", "Dmitry", "https://www.dmitry.example/d/"),
        "content/plain/p.md": imported("plain", "generic", "Pat", "https://plain.example/2024/p/"),
    })
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    return root / "public"


def test_credit_line_names_each_party_once_and_the_originals_host(make_site):
    public = _credit_site(make_site)
    header = lambda slug: BeautifulSoup((public / f"posts/{slug}/index.html").read_text(), "html.parser").select_one("header.post-header")  # noqa: E731

    forem = header("from-ann")  # a Forem feed is named after its author
    assert forem.get_text().count("Ann Lee") == 1 and "DEV Community" not in forem.get_text()
    author = forem.select_one(".p-author")
    assert author.name == "a" and author["href"] == "/sources/ann/" and author.get_text() == "Ann Lee"
    assert [b.get_text() for b in forem.select(".platform")] == ["Forem (dev.to)"]
    assert forem.select_one(".original").get_text() == "Read the original article on forem.example"

    ghost = header("from-dmitry")  # a self-hosted Ghost blog: its own host, not "Ghost"
    assert ghost.select_one(".original").get_text() == "Read the original article on dmitry.example"
    assert [b.get_text() for b in ghost.select(".platform")] == ["Ghost"]
    assert ghost.select_one(".p-author").get_text() == "Dmitry" and ghost.select_one("a.source").get_text() == "Dmitry's website"

    plain = header("from-plain")  # a generic feed gets no badge
    assert plain.select(".platform") == [] and "Blog" not in plain.get_text()
    assert plain.select_one(".original").get_text() == "Read the original article on plain.example"

    listing = BeautifulSoup((public / "index.html").read_text(), "html.parser")
    assert [b.get_text() for b in listing.select(".platform")] == ["Forem (dev.to)", "Ghost"]  # one per entry, none for the generic feed


def test_the_site_has_an_icon_at_the_root_and_every_page_links_it(public):
    import struct
    import xml.etree.ElementTree as ET

    ico = (public / "favicon.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1) and count >= 2
    for i in range(count):  # each image is a square PNG of the size its entry says
        width, height, _, _, _, _, size, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i: 22 + 16 * i])
        png = ico[offset: offset + size]
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (width, height) and width == height
    svg = ET.fromstring((public / "static" / "favicon.svg").read_bytes())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox")
    for path in _pages(public):
        links = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find_all("link", rel="icon")
        assert [link["href"] for link in links] == ["/favicon.ico", "/static/favicon.svg"], path.relative_to(public)
