"""Cross-posts in a built site: one page per article, every copy credited, URLs kept.

The site is made of the fixture feeds (tests/fixtures/crosspost/), fetched as ``fetch``
writes them into ``content/``, and built by the real pipeline.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import install_theme, read_tree
from crosspost_fixtures import write_fixture_content

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
SITE = 'title = "Planet"\nbase_url = "https://planet.example/"\n'
PROFILING = "/posts/profiling-python-with-cprofile/"
GHOST_URL = "https://tidycode.example.org/profiling-python-with-cprofile/"
DEVTO_URL = "https://dev.to/adamarsh/profiling-python-with-cprofile-2b7a"


def new_site(tmp_path: Path, config: str = SITE, **kw) -> tuple[Path, dict]:
    root = tmp_path / "site"
    root.mkdir()
    (root / "site.toml").write_text(config)
    install_theme(root)
    return root, write_fixture_content(root / "content", **kw)


def build(root: Path, **kw):
    return build_site(load_site_config(root), BuildOptions(now=NOW, **kw))


def page(root: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((root / "public" / rel).read_text(encoding="utf-8"), "html.parser")


def listed(root: Path, rel: str) -> list[str]:
    """The post URLs a listing page links to, in order."""
    return [a["href"] for a in page(root, rel).select(".post-list .p-name a, .archive-list a[href^='/posts/']")]


@pytest.fixture
def site(tmp_path):
    root, paths = new_site(tmp_path)
    build(root)
    return root, paths


def test_a_cross_post_is_one_page_crediting_every_copy(site):
    root, _ = site
    post = page(root, "posts/profiling-python-with-cprofile/index.html")
    assert post.select_one('link[rel="canonical"]')["href"] == GHOST_URL  # the author's own blog
    also = post.select_one("p.also")
    assert [(a.text, a["href"]) for a in also.select("a.u-syndication")] == [
        ("dev.to", DEVTO_URL),
        ("Medium", "https://medium.com/@adamarsh/profiling-python-code-with-cprofile-9f8e7d6c5b4a?source=rss-abc123------2"),
    ]
    assert also.text.startswith("Also published on dev.to, Medium")
    # The Ghost copy's body: its code card's caption, not the dev.to copy's italic line
    assert "profile_report.py" in post.select_one(".e-content").text
    # tags of every copy: Ghost's, then dev.to's and Medium's, once each, as the site spells them (the most used)
    assert [a.text.lstrip("#") for a in post.select(".post-header .p-category")] == ["python", "performance", "beginners", "profiling"]


def test_a_cross_post_is_listed_once_everywhere(site):
    root, _ = site
    for rel in ("index.html", "archive/index.html", "tags/python/index.html"):
        links = listed(root, rel)
        assert links.count(PROFILING) == 1 and len(links) == len(set(links)), rel
    assert listed(root, "tags/beginners/index.html") == [PROFILING]  # a tag only the dev.to copy had
    assert len(listed(root, "index.html")) == 8  # 11 files, 3 of them copies shown on another's page
    feed = (root / "public/feed.xml").read_text()
    assert feed.count("<title>Profiling Python with cProfile</title>") == 1 and "Profiling Python code" not in feed
    items = json.loads((root / "public/feed.json").read_text())["items"]
    assert [i["url"] for i in items].count("https://planet.example" + PROFILING) == 1 and len(items) == 8
    shards = [e for f in (root / "public/search/shards").iterdir() for e in json.loads(f.read_text())]
    assert [e["u"] for e in shards].count(PROFILING) == 1 and len(shards) == 8


def test_each_feed_still_lists_its_copy_and_counts_it(site):
    root, _ = site
    assert PROFILING in listed(root, "sources/adamarsh/index.html")
    assert listed(root, "sources/adamarsh-medium/index.html") == [PROFILING]
    assert PROFILING in listed(root, "sources/tidycode/index.html")
    rows = {r.select_one("a[href^='/sources/']").text.strip(): r.text for r in page(root, "status/index.html").select("tbody tr")}
    assert "4" in rows["adamarsh"].split() and "1" in rows["adamarsh-medium"].split()


def test_a_copys_own_url_redirects_and_is_left_out_of_the_sitemap(site):
    root, _ = site
    aliases = ("profiling-python-code-with-cprofile", "profiling-python-with-cprofile-2", "streaming-large-csv-files-2")
    for alias in aliases:
        stub = page(root, f"posts/{alias}/index.html")  # what a host without redirects serves
        assert stub.select_one("a")["href"] == (PROFILING if "profiling" in alias else "/posts/streaming-large-csv-files/")
        assert stub.select_one('link[rel="canonical"]')["href"].startswith("https://planet.example/posts/")
        assert stub.select_one('meta[name="robots"]')["content"] == "noindex"
        assert alias not in (root / "public/sitemap.xml").read_text()
    assert (root / "public/_redirects").read_text() == (  # Netlify: permanent redirects, over the stub pages
        f"/posts/{aliases[2]}/ /posts/streaming-large-csv-files/ 301!\n"
        f"/posts/{aliases[0]}/ {PROFILING} 301!\n/posts/{aliases[1]}/ {PROFILING} 301!\n"
    )


def test_posts_that_only_share_a_title_keep_their_own_pages(site):
    root, _ = site
    for slug in ("weekly-notes", "hello-world", "welcome-to-ghost"):
        first, second = page(root, f"posts/{slug}/index.html"), page(root, f"posts/{slug}-2/index.html")
        assert not first.select("p.also") and not second.select("p.also")
        assert first.select_one(".e-content").text != second.select_one(".e-content").text


def test_build_v_says_which_files_were_merged_and_why(tmp_path, caplog):
    root, paths = new_site(tmp_path)
    with caplog.at_level(logging.DEBUG, logger="generator.incremental.loading"):
        build(root)
    ghost, devto = paths[("tidycode", "Streaming large CSV files")], paths[("adamarsh", "Streaming Large CSV Files")]
    assert f"cross-post: {ghost} + {devto} shown once, at the URL of {ghost} ({devto} and {ghost}: same title, 63% of their five-word phrases shared)" in caplog.text
    medium = paths[("adamarsh-medium", "Profiling Python code with cProfile")]
    assert f"{medium} names {paths[('tidycode', 'Profiling Python with cProfile')]}'s URL as where it was first published" in caplog.text
    weekly = paths[("adamarsh", "Weekly notes")], paths[("tidycode", "Weekly notes")]
    assert f"cross-post: kept apart: {weekly[0]} and {weekly[1]}: same title, 19% of their five-word phrases shared" in caplog.text


def test_front_matter_overrides_both_ways(tmp_path):
    root, paths = new_site(tmp_path)
    content = root / "content"
    weekly = content / paths[("adamarsh", "Weekly notes")]
    weekly.write_text(weekly.read_text().replace("\n---\n", f"\ncopy_of: {paths[('tidycode', 'Weekly notes')]}\n---\n", 1))
    csv = content / paths[("adamarsh", "Streaming Large CSV Files")]
    csv.write_text(csv.read_text().replace("\n---\n", "\nnot_copy_of: [https://tidycode.example.org/streaming-large-csv-files/]\n---\n", 1))
    build(root)
    assert page(root, "posts/weekly-notes/index.html").select_one("p.also a")["href"] == "https://dev.to/adamarsh/weekly-notes-3k2j"
    assert "/posts/weekly-notes-2/ /posts/weekly-notes/ 301!" in (root / "public/_redirects").read_text()
    assert not page(root, "posts/streaming-large-csv-files/index.html").select("p.also")
    assert page(root, "posts/streaming-large-csv-files-2/index.html").select_one(".e-content")


def test_the_url_stays_when_copies_arrive_and_go(tmp_path):
    root, paths = new_site(tmp_path, files=("forem.xml",), titles={"Profiling Python with cProfile"})
    build(root)
    assert (root / "public" / PROFILING.strip("/") / "index.html").exists()  # the dev.to copy, alone
    write_fixture_content(root / "content", files=("ghost.xml",), titles={"Profiling Python with cProfile"})  # the original, dated earlier
    build(root)
    post = page(root, "posts/profiling-python-with-cprofile/index.html")
    assert post.select_one('link[rel="canonical"]')["href"] == GHOST_URL
    assert [a.text for a in post.select("p.also a")] == ["dev.to"]
    write_fixture_content(root / "content", files=("medium.xml",))  # a later copy, under another title
    build(root)
    assert [a.text for a in page(root, "posts/profiling-python-with-cprofile/index.html").select("p.also a")] == ["dev.to", "Medium"]
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    (root / "content" / paths[("adamarsh", "Profiling Python with cProfile")]).unlink()  # gone from one feed
    build(root)
    assert [a.text for a in page(root, "posts/profiling-python-with-cprofile/index.html").select("p.also a")] == ["Medium"]
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def clean_tree(root: Path, out: Path) -> dict[str, bytes]:
    shutil.rmtree(out, ignore_errors=True)
    build(root, out_dir=out, cache=False)
    return read_tree(out)


def test_editing_a_possible_copy_never_takes_the_quick_path(tmp_path, caplog):
    root, paths = new_site(tmp_path, SITE + "feed_items = 1\n")  # no feed shows the Ghost blog's Hello world
    build(root)
    hello = root / "content" / paths[("tidycode", "Hello world")]
    devto = (root / "content" / paths[("adamarsh", "Hello world")]).read_text().split("\n---\n", 1)[1]
    hello.write_text(hello.read_text().split("\n---\n", 1)[0] + "\n---\n" + devto)  # now the same text as the dev.to post
    with caplog.at_level(logging.DEBUG, logger="generator.incremental.quick"):
        report = build(root)
    assert not report.quick and "may be a copy of another article" in caplog.text
    assert page(root, "posts/hello-world/index.html").select_one("p.also a")["href"] == "https://dev.to/adamarsh/hello-world-1a2b"
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_only_the_body_says_where_a_text_was_first_published(tmp_path, monkeypatch):
    """Front matter is not text: a summary that quotes another article's address merges nothing."""
    import generator.incremental.parallel as parallel

    root, _ = new_site(tmp_path, files=("ghost.xml",), titles={"Weekly notes"})
    mine = root / "content/posts/notes.md"
    mine.parent.mkdir(parents=True, exist_ok=True)
    mine.write_text("---\ntitle: My notes\ndate: 2026-02-10\nsummary: Originally published at https://tidycode.example.org/weekly-notes-5/\n---\nMy own text.\n")
    with monkeypatch.context() as patch:  # parsed by a pool, which keeps no Markdown: the file is read again
        patch.setattr(parallel, "worker_count", lambda items, workers: 2 if items else 1)
        build(root)
    assert page(root, "posts/my-notes/index.html").select_one(".e-content") and not page(root, "posts/weekly-notes/index.html").select("p.also")
    mine.write_text(mine.read_text() + "\nOriginally published at https://tidycode.example.org/weekly-notes-5/\n")
    build(root)
    # The earlier Ghost post gives the URL; the site's own post is the one shown there.
    merged = page(root, "posts/weekly-notes/index.html")
    assert merged.select_one("p.also a")["href"] == "https://tidycode.example.org/weekly-notes-5/" and "My own text." in merged.text
    assert page(root, "posts/my-notes/index.html").select_one('link[rel="canonical"]')["href"] == "https://planet.example/posts/weekly-notes/"
