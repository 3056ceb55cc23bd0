"""Incremental deploys: what Netlify does between two deploys, done here with the real
build plugin (``netlify/plugins/build-cache``, under node, with the stand-in cache of
``tests/netlify_cache_harness.js``) and ``git clone``.

Deploy one builds a fresh clone and the plugin saves ``.cache/build/`` and ``public/``.
A scheduled fetch then commits one new article. Deploy two is a fresh clone again, in
the same folder (Netlify always builds in the same one), into which the plugin restores
the saved folders with new file times (the clone's) and times kept only to the
millisecond (Netlify's copy): the build must reuse what it can and give, byte for byte,
what a clean build of the same commit gives. A damaged or foreign cache restored
instead must be detected and rebuilt, with the same result.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, install_theme, post, read_tree, write_files

from generator.config import load_site_config
from generator.content import write_article
from generator.incremental.cachedb import DB_NAME
from generator.models import Article
from generator.pipeline import BuildOptions, BuildReport, build_site

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "Fetch", "GIT_AUTHOR_EMAIL": "fetch@example.org", "GIT_COMMITTER_NAME": "Fetch", "GIT_COMMITTER_EMAIL": "fetch@example.org"}
TAGS = ("python", "web", "data", "tools")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True)


def site_files(title: str, posts: int) -> dict[str, str]:
    """A small planet: authored posts over a few tags, and one feed's imported articles."""
    files = {
        "site.toml": f'title = "{title}"\nbase_url = "https://planet.example/"\nper_page = 5\n',
        "feeds/feeds.toml": '[[feed]]\nname = "lab-notes"\nurl = "https://lab.example/feed.xml"\n',
    }
    for n in range(posts):
        body = f"Post {n} of {title}.\n\n```python\nprint({n})\n```\n\nMore words about item {n}.\n"
        files[f"content/posts/2025-01-{n + 1:02d}-post-{n}.md"] = post(f"{title} post {n}", f"2025-01-{n + 1:02d}", body, tags=f"[{TAGS[n % 4]}]")
    return files


def imported(n: int) -> Article:
    """An article as the fetcher writes it for a scheduled fetch."""
    return Article(
        title=f"Lab note {n}", date=datetime(2025, 3, n, 9, tzinfo=timezone.utc), body=f"Notes from the lab, number {n}.\n",
        tags=("data",), source="lab-notes", original_url=f"https://lab.example/notes/{n}", guid=f"https://lab.example/notes/{n}", platform="generic",
    )


def make_origin(folder: Path, title: str, posts: int) -> Path:
    write_files(folder, site_files(title, posts))
    install_theme(folder)
    for n in (1, 2):
        write_article(folder / "content", imported(n))
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "the planet")
    return folder


def fresh_clone(origin: Path, where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    git(origin.parent, "clone", "-q", str(origin), str(where))
    return where


def build(root: Path, **options) -> BuildReport:
    return build_site(load_site_config(root), BuildOptions(now=NOW, **options))


def plugin(event: str, site: Path, cache: Path) -> str:
    result = subprocess.run(
        [NODE, str(REPO / "tests/netlify_cache_harness.js"), str(REPO / "netlify/plugins/build-cache"), str(site), str(cache), event],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout



@dataclass
class Deploys:
    origin: Path
    repo: Path  # where Netlify builds (its /opt/build/repo)
    cache: Path  # what the plugin saved after deploy one
    foreign: Path  # what it saved after a deploy of another site
    pages_before: int
    clean: dict[str, bytes]  # a clean build of the commit with the new article


@pytest.fixture(scope="module")
def deploys(tmp_path_factory) -> Deploys:
    base = tmp_path_factory.mktemp("deploys")
    repo = base / "build" / "repo"
    other = make_origin(base / "other-origin", "Another planet", 9)
    fresh_clone(other, repo)
    build(repo)
    plugin("onPostBuild", repo, base / "foreign-cache")

    origin = make_origin(base / "origin", "Planet", 14)
    fresh_clone(origin, repo)
    first = build(repo)
    assert "saved .cache/build, public" in plugin("onPostBuild", repo, base / "netlify-cache")

    write_article(origin / "content", imported(3))  # the scheduled fetch commits one new article
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "fetch: 1 new article")
    reference = fresh_clone(origin, base / "reference")
    build(reference, clean=True)
    return Deploys(origin, repo, base / "netlify-cache", base / "foreign-cache", first.pages, read_tree(reference / "public"))


def restored_clone(deploys: Deploys, cache: Path | None = None) -> Path:
    repo = fresh_clone(deploys.origin, deploys.repo)
    assert not (repo / ".cache").exists() and not (repo / "public").exists()
    assert "restored .cache/build, public" in plugin("onPreBuild", repo, cache or deploys.cache)
    return repo


def test_the_deploy_after_a_fetch_reuses_the_restored_cache_and_equals_a_clean_build(deploys: Deploys):
    repo = restored_clone(deploys)
    kept = read_tree(repo / "public")
    report = build(repo)
    assert read_tree(repo / "public") == deploys.clean
    assert not report.noop and report.articles == 17
    assert report.rendered == 1  # the new article's Markdown; every other came from the cache
    # Pages: the new article's, its neighbour's, and the listings that show it (index, tag,
    # archive, source pages). Every other page was kept as restored, not rendered again.
    changed = {p for p, data in deploys.clean.items() if kept.get(p) != data}
    assert report.pages_rendered <= len(changed) < report.pages / 2
    assert report.published.written == len(changed)


def test_a_deploy_with_nothing_new_does_nothing(deploys: Deploys):
    git(deploys.origin, "checkout", "-q", "HEAD~1")  # the commit deploy one built
    try:
        repo = restored_clone(deploys)
    finally:
        git(deploys.origin, "checkout", "-q", "main")
    before = read_tree(repo / "public")
    report = build(repo)
    assert report.noop and report.pages == deploys.pages_before
    assert read_tree(repo / "public") == before


def _garble_database(build_cache: Path) -> None:
    database = build_cache / DB_NAME
    data = bytearray(database.read_bytes())
    data[100:] = bytes(len(data) - 100)  # the header stays, every page is zeros
    database.write_bytes(bytes(data))


def _flip_pack_bytes(build_cache: Path) -> None:
    pack = build_cache / "pack.bin"
    data = bytearray(pack.read_bytes())
    for i in range(0, len(data), 97):
        data[i] ^= 0x55
    pack.write_bytes(bytes(data))


def _garble_manifests(build_cache: Path) -> None:
    database = sqlite3.connect(build_cache / DB_NAME, isolation_level=None)
    database.execute("UPDATE files SET size = 'everything'")
    database.close()


def _edit_a_page_keeping_its_size(build_cache: Path) -> None:
    page = build_cache.parent.parent / "public" / "posts" / "planet-post-3" / "index.html"
    html = page.read_bytes()
    page.write_bytes(html.replace(b"Post 3 of Planet", b"Post X of Planet"))


def _drop_the_url_memory(build_cache: Path) -> None:
    (build_cache / "urls.json").unlink()


@pytest.mark.parametrize(
    ("damage", "warning"),
    [
        (_garble_database, f"{DB_NAME}: unreadable"),
        (_flip_pack_bytes, "a cached text is damaged; rendering the article again"),
        (_garble_manifests, "is not in the expected shape; rebuilding it"),
        (_edit_a_page_keeping_its_size, ""),  # found by its hash: rendered again, quietly
        (_drop_the_url_memory, ""),
    ],
    ids=lambda f: f.__name__.strip("_") if callable(f) else "",
)
def test_a_damaged_cache_restored_is_detected_and_the_output_equals_a_clean_build(deploys: Deploys, damage, warning, caplog):
    repo = restored_clone(deploys)
    damage(repo / ".cache" / "build")
    with caplog.at_level(logging.WARNING):
        build(repo)
    assert warning in caplog.text
    assert read_tree(repo / "public") == deploys.clean


def test_a_foreign_cache_restored_is_rebuilt_and_the_output_equals_a_clean_build(deploys: Deploys):
    repo = restored_clone(deploys, deploys.foreign)
    report = build(repo)
    assert read_tree(repo / "public") == deploys.clean
    # Only the two lab notes both sites hold byte for byte are reused (the cache is keyed by
    # content); every other article is rendered.
    assert report.rendered == 15
