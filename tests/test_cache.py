"""cache.py: a damaged, stale or foreign cache is noticed and rebuilt, never trusted."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import clean_build, install_theme, post, read_tree, saved_manifest, write_files

from generator.config import load_site_config
from generator.incremental.cache import BuildCache
from generator.incremental.cachedb import DB_NAME
from generator.incremental.frontmatter import article_from_json, article_to_json
from generator.models import Article
from generator.pipeline import BuildOptions, build_site

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
SITE = {
    "site.toml": 'title = "C"\nbase_url = "https://example.org/"\ntimezone = "Europe/Paris"\n',
    "content/posts/a.md": post("Alpha", "2024-01-01", tags="[python]", body="Alpha body.\n\n```python\nx = 1\n```\n"),
    "content/posts/b.md": post("Beta", "2024-02-01T10:00:00+05:30", body="Beta body.\n"),
    "content/posts/c.md": post("Gamma", "2024-03-01", draft="true"),
}


def build(root: Path, **kw):
    return build_site(load_site_config(root), BuildOptions(now=NOW, **kw))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    write_files(root, SITE)
    install_theme(root)
    build(root)
    return root


def clean(root: Path) -> dict[str, bytes]:
    return clean_build(root, NOW)


def database(site: Path) -> sqlite3.Connection:
    return sqlite3.connect(site / ".cache" / "build" / DB_NAME, isolation_level=None)


def entries(site: Path) -> dict[str, dict]:
    """sha -> the entry as its row holds it (its meta column put back in)."""
    return {sha: {**json.loads(entry), "meta": json.loads(meta) if meta else None} for sha, meta, entry in database(site).execute("SELECT sha, meta, entry FROM entries")}


def shas(site: Path) -> dict[str, str]:
    return dict(database(site).execute("SELECT rel, sha FROM stamps").fetchall())


def test_the_cache_is_one_database_and_a_pack_under_dot_cache(site):
    folder = site / ".cache" / "build"
    assert set(shas(site)) == {"posts/a.md", "posts/b.md", "posts/c.md"}
    assert len(entries(site)) == 3
    assert "index.html" in saved_manifest(site).files
    left = {p.name for p in folder.iterdir()}
    assert {DB_NAME, "pack.bin", "urls.json"} <= left and not [n for n in left if n.endswith(("-journal", "-wal", "-shm"))]


def test_only_a_never_rendered_entry_keeps_its_markdown_and_a_published_draft_renders_from_it(site):
    kept = {e["meta"]["title"]: e["body"] for e in entries(site).values()}
    assert kept["Alpha"] is None and kept["Beta"] is None and kept["Gamma"] is not None  # Gamma is a draft
    with_drafts = build(site, drafts=True)  # the draft is rendered now, from the cache's parse
    page = (site / "public" / "posts" / "gamma" / "index.html").read_text()
    assert with_drafts.rendered > 0 and "Gamma" in page
    assert read_tree(site / "public") == clean_with_drafts(site)


def clean_with_drafts(root: Path) -> dict[str, bytes]:
    out = root.parent / "clean-drafts"
    shutil.rmtree(out, ignore_errors=True)
    build(root, out_dir=out, cache=False, drafts=True)
    return read_tree(out)


def _foreign(path: Path) -> None:
    path.unlink()
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE stamps (x)")  # a database of some other program, even with a name we use
    other.commit()
    other.close()


DAMAGE = {
    "garbage": lambda path: path.write_bytes(b"not a database at all" * 100),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "empty": lambda path: path.write_bytes(b""),
    "foreign": _foreign,
    "wrong-types": lambda path: sqlite3.connect(path, isolation_level=None).execute("UPDATE stamps SET size = 'oops' WHERE rel = 'posts/b.md'"),
    "a-table-missing": lambda path: sqlite3.connect(path, isolation_level=None).execute("DROP TABLE listings"),
    "bad-info": lambda path: sqlite3.connect(path, isolation_level=None).execute("UPDATE info SET value = '[' WHERE name = 'pack_size'"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_foreign_database_is_one_warning_and_rebuilt(site, damage, caplog):
    path = site / ".cache/build" / DB_NAME
    DAMAGE[damage](path)
    (site / "content/posts/a.md").write_text(post("Alpha 2", "2024-01-01", body="New.\n"))
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert "build cache" in caplog.text and "rebuilding" in caplog.text
    assert len([r for r in caplog.records if "rebuilding" in r.getMessage()]) == 1
    assert report.rendered == 2  # a and b rendered again; nothing taken from the bad cache
    assert read_tree(site / "public") == clean(site)
    assert database(site).execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert len(entries(site)) == 3 and build(site).noop  # and a good cache written back


def test_a_bad_article_entry_costs_only_its_own_file(site, caplog):
    """Entries are checked when a build first uses one (a no-op build reads only front
    matter): a bad one is one warning and its file is read again; the others are used."""
    known, before = shas(site), entries(site)
    bad = json.loads(database(site).execute("SELECT entry FROM entries WHERE sha = ?", (known["posts/b.md"],)).fetchone()[0])
    bad["toc"] = [0, 10**12, 0]  # past the end of the pack
    database(site).execute("UPDATE entries SET entry = ? WHERE sha = ?", (json.dumps(bad), known["posts/b.md"]))
    (site / "content/posts/a.md").write_text(post("Alpha 2", "2024-01-01", tags="[python]", body="New.\n"))
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert f"a bad article entry ({known['posts/b.md']})" in caplog.text and "rebuilding" not in caplog.text
    assert report.rendered == 2  # a (edited) and b (its entry was bad); c (a draft) came from the cache
    assert read_tree(site / "public") == clean(site)
    assert entries(site)[known["posts/c.md"]] == before[known["posts/c.md"]]  # the draft's entry is written back as it was
    assert build(site).noop


def test_damaged_pack_is_detected_by_crc(site, caplog):
    pack = site / ".cache/build/pack.bin"
    data = bytearray(pack.read_bytes())
    at = data.find(b"<p>Beta body")  # the cached HTML, read only when a page needs it
    data[at + 3 : at + 7] = b"Evil"
    pack.write_bytes(bytes(data))
    (site / "templates/base.html").write_text((site / "templates/base.html").read_text() + "\n")  # force rendering
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert "a cached text is damaged; rendering the article again" in caplog.text
    assert b"Evil" not in (site / "public/posts/beta/index.html").read_bytes()
    assert read_tree(site / "public") == clean(site)
    assert (site / ".cache/build/damaged").exists() and report.rendered == 0

    caplog.clear()
    (site / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", tags="[python]", body="Alpha, edited.\n"))
    with caplog.at_level(logging.WARNING):
        report = build(site)  # the mark makes this build check every entry first
    assert "1 damaged entries dropped" in caplog.text and report.rendered == 2
    assert not (site / ".cache/build/damaged").exists()
    assert read_tree(site / "public") == clean(site)


def test_short_pack_discards_the_index(site, caplog):
    pack = site / ".cache/build/pack.bin"
    pack.write_bytes(pack.read_bytes()[:10])
    (site / "content/posts/b.md").write_text(post("Beta", "2024-02-01", body="Changed.\n"))
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert "shorter than its index" in caplog.text and report.rendered == 2
    assert read_tree(site / "public") == clean(site)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE manifest SET value = '3' WHERE name = 'signature'",
        "UPDATE manifest SET value = 'not json' WHERE name = 'in_feeds'",
        "UPDATE files SET sha = 'short' WHERE path = 'index.html'",
        "UPDATE files SET size = '12' WHERE path = 'index.html'",
    ],
)
def test_corrupt_output_manifest_is_rebuilt(site, damage, caplog):
    database(site).execute(damage)
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert "not in the expected shape" in caplog.text
    assert not report.noop and report.published.written == 0  # compared byte by byte instead
    assert read_tree(site / "public") == clean(site)
    assert build(site).noop  # written back whole


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE listings SET slug = 7 WHERE position = 0",
        "DELETE FROM listings WHERE position = 0",
        "UPDATE read_in_full SET paths = '[1]'",
        "UPDATE pages SET digest = NULL WHERE path = 'index.html'",
    ],
)
def test_bad_pages_of_a_manifest_are_one_warning_and_every_page_is_checked(site, damage, caplog):
    assert database(site).execute(damage).rowcount or damage.startswith("DELETE")
    (site / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", tags="[python]", body="Alpha body, edited.\n"))
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert "are not in the expected shape" in caplog.text and not report.noop
    assert read_tree(site / "public") == clean(site)
    assert database(site).execute("SELECT count(*) FROM listings").fetchone()[0] == 2 and build(site).noop


def test_same_size_edit_with_restored_mtime_is_noticed(site):
    path = site / "content/posts/b.md"
    old = path.stat()
    path.write_text(path.read_text().replace("Beta body", "Bxta body"))
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))  # size and mtime as before; ctime is not
    build(site)
    assert "Bxta body" in (site / "public/posts/beta/index.html").read_text()


def test_output_edited_by_hand_is_repaired(site):
    page = site / "public/posts/alpha/index.html"
    page.write_text("defaced")
    report = build(site)
    assert not report.noop
    assert read_tree(site / "public") == clean(site)


def _touch_every_output(site: Path) -> None:
    for path in (site / "public").rglob("*"):
        if path.is_file():
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_234_567))  # as a copy keeping times to the ms would


def test_outputs_with_new_mtimes_are_checked_by_their_bytes_once(site):
    _touch_every_output(site)
    report = build(site)
    assert report.noop  # every file still holds what the manifest says: nothing to do
    manifest = saved_manifest(site)
    on_disk = {rel: (site / "public" / rel).stat().st_mtime_ns for rel in manifest.files}
    assert {rel: row[2] for rel, row in manifest.files.items()} == on_disk  # remembered: the next no-op hashes nothing


def test_output_edited_keeping_its_size_but_not_its_mtime_is_repaired(site):
    _touch_every_output(site)
    page = site / "public/posts/alpha/index.html"
    page.write_bytes(page.read_bytes().replace(b"Alpha body", b"Alpxa body"))
    report = build(site)
    assert not report.noop
    assert read_tree(site / "public") == clean(site)


def test_output_deleted_by_hand_is_restored(site):
    (site / "public/feed.xml").unlink()
    build(site)
    assert read_tree(site / "public") == clean(site)


def test_cache_from_another_renderer_version_is_not_used(site):
    database(site).execute("UPDATE info SET value = '\"another renderer\"' WHERE name = 'key'")
    report = build(site, out_dir=site / "other")
    assert report.rendered == 2


@pytest.mark.parametrize(
    "date",
    [
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        datetime(2024, 7, 2, 3, 4, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2024, 1, 2, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ],
)
def test_article_json_round_trip_keeps_time_zones(date):
    article = Article(title="T", date=date, updated=date, body="b", tags=("x", "y"), extra=(("k", [1, "v"]),), path="p.md")
    data = article_to_json(article)
    back = article_from_json(json.loads(json.dumps(data)), "b", "p.md")
    assert back == article and back.date.tzinfo == date.tzinfo and back.date.isoformat() == date.isoformat()


def test_front_matter_json_cannot_hold_is_not_cached():
    article = Article(title="T", date=NOW, body="", extra=(("when", {1: "int key"}),))
    assert article_to_json(article) is None  # JSON turns the key into "1": re-parse instead


def test_open_missing_cache_is_empty(tmp_path):
    cache = BuildCache.open(tmp_path / "nothing", "k")
    assert cache.meta("0" * 40) is None


def test_search_text_comes_from_the_cache_and_a_damaged_one_is_made_again(site, caplog, monkeypatch):
    import generator.site.search as search

    made = []
    real = search.encoded_text_fields
    monkeypatch.setattr(search, "encoded_text_fields", lambda html, tags: made.append(html) or real(html, tags))
    (site / "content/posts/b.md").write_text(post("Beta", "2024-02-01T10:00:00+05:30", body="Beta body, edited.\n"))
    build(site)
    assert len(made) == 1 and "edited" in made[0]  # only the edited post's text is made again
    search_at = [e["search"] for e in entries(site).values() if e.get("search")]
    assert len(search_at) == 2  # the two published posts
    pack = site / ".cache/build/pack.bin"
    data = bytearray(pack.read_bytes())
    for _, offset, _, _ in search_at:
        data[offset] ^= 0xFF  # damage every cached search text
    pack.write_bytes(bytes(data))
    (site / "templates/base.html").write_text((site / "templates/base.html").read_text() + "\n")  # not a no-op
    made.clear()
    with caplog.at_level(logging.WARNING):
        build(site)
    assert "damaged" in caplog.text and len(made) == 2
    assert read_tree(site / "public") == clean(site)


def test_feeds_are_kept_when_no_post_they_show_changed(site, monkeypatch):
    import generator.site.syndication as syndication

    made = []
    real = syndication.site_feeds
    monkeypatch.setattr(syndication, "site_feeds", lambda *a: made.append(1) or real(*a))
    (site / "static/pic.png").write_bytes(b"an image")  # a new file: new asset URLs, so new feeds
    build(site)
    made.clear()
    (site / "static/pic.png").write_bytes(b"another")  # a build with something to do, no post changed
    report = build(site)
    assert not report.noop and made == []
    (site / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", tags="[python]", body="Alpha body, new.\n"))
    build(site)
    assert made == [1]
    assert b"Alpha body, new." in (site / "public/feed.xml").read_bytes()
    assert b"Alpha body, new." in (site / "public/tags/python/feed.xml").read_bytes()
    assert read_tree(site / "public") == clean(site)
