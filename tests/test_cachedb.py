"""cachedb.py and the storage of cache.py and manifest.py: the cache is one SQLite
database, read as needed and written as differences, in one transaction per save."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import types
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import clean_build, install_theme, post, read_tree, saved_manifest, write_files

import generator.incremental.cache as cachelib
import generator.incremental.entryreads as entryreads
from generator.config import load_site_config
from generator.incremental.cache import TABLES, BuildCache
from generator.incremental.cachedb import DB_NAME, CacheDb, Writer
from generator.incremental.fieldcodec import fits
from generator.incremental.manifest import HINTS, SMALL_FIELDS, ListingRow, OutputManifest
from generator.pipeline import BuildOptions, build_site

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
POSTS = 24


def build(root: Path, **kw: Any):
    return build_site(load_site_config(root), BuildOptions(now=NOW, **kw))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    files = {"site.toml": 'title = "D"\nbase_url = "https://example.org/"\n'}
    for i in range(POSTS):
        files[f"content/posts/p{i:02}.md"] = post(f"Post {i}", f"2024-01-{i + 1:02}", tags="[python]" if i % 2 else "[web]", body=f"Body {i}.\n")
    write_files(root, files)
    install_theme(root)
    build(root)
    return root


def clean(root: Path) -> dict[str, bytes]:
    return clean_build(root, NOW)


def dump(root: Path) -> list[str]:
    """Every row of the database, as SQL."""
    with sqlite3.connect(root / ".cache/build" / DB_NAME) as db:
        return list(db.iterdump())


@pytest.fixture
def writes(monkeypatch) -> dict[str, list[Any]]:
    """Every row each table is sent by a save, by table (a clear is recorded as '*')."""
    seen: dict[str, list[Any]] = {}
    real_upsert, real_delete, real_clear = Writer.upsert, Writer.delete, Writer.clear

    def upsert(self, table, rows, out_key=None):
        rows = list(rows)
        seen.setdefault(table.name, []).extend(rows)
        real_upsert(self, table, rows, out_key)

    def delete(self, table, keys, out_key=None):
        keys = list(keys)
        seen.setdefault(table.name, []).extend(("deleted", k) for k in keys)
        real_delete(self, table, keys, out_key)

    def clear(self, table, out_key=None):
        seen.setdefault(table.name, []).append("*")
        real_clear(self, table, out_key)

    monkeypatch.setattr(Writer, "upsert", upsert)
    monkeypatch.setattr(Writer, "delete", delete)
    monkeypatch.setattr(Writer, "clear", clear)
    return seen


def test_a_no_op_build_writes_nothing(site, writes):
    path = site / ".cache/build" / DB_NAME
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    writes.clear()
    assert build(site).noop
    assert writes == {} and path.read_bytes() == before and path.stat().st_mtime_ns == mtime


def test_a_body_edit_writes_a_handful_of_rows(site, writes):
    writes.clear()
    (site / "content/posts/p05.md").write_text(post("Post 5", "2024-01-06", tags="[python]", body="Body 5, edited.\n"))
    report = build(site)
    assert not report.noop and report.rendered == 1
    assert "*" not in [row for rows in writes.values() for row in rows]  # no table rewritten whole
    assert len(writes["stamps"]) == 1 and len(writes["entries"]) == 2  # the new entry in, the old one out
    published = report.published
    assert len(writes["files"]) == published.written + published.removed < published.total / 4  # the files that changed, no other
    assert len(writes["listings"]) == 1 and len(writes["manifest"]) == 1  # its listing keys; the signature
    assert read_tree(site / "public") == clean(site) and build(site).noop


def test_a_new_post_writes_its_rows_and_moves_the_listing(site, writes):
    writes.clear()
    (site / "content/posts/new.md").write_text(post("New", "2024-02-01", body="New.\n"))
    build(site)
    assert len(writes["stamps"]) == 1 and len(writes["entries"]) == 1
    assert len(writes["listings"]) == POSTS + 1  # every position moved down by one
    assert read_tree(site / "public") == clean(site) and build(site).noop


def test_a_build_killed_while_saving_leaves_the_last_complete_cache(site):
    """A forked build is killed (os._exit) half-way through its transaction: the next
    build finds the cache as the build before left it, and goes on from there."""
    before = dump(site)
    (site / "content/posts/p03.md").write_text(post("Post 3", "2024-01-04", tags="[python]", body="Body 3, edited.\n"))
    pid = os.fork()
    if pid == 0:  # the child: dies after its first rows are written, the transaction open
        real = Writer.upsert
        Writer.upsert = lambda self, table, rows, out_key=None: (real(self, table, rows, out_key), os._exit(3))  # type: ignore[method-assign]
        try:
            build(site)
        finally:
            os._exit(4)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    assert dump(site) == before  # the hot journal is rolled back as the file is opened
    assert not list((site / ".cache/build").glob("*-journal"))
    build(site)
    assert read_tree(site / "public") == clean(site) and build(site).noop


def test_a_failing_save_rolls_back(site, monkeypatch):
    before = dump(site)
    (site / "content/posts/p03.md").write_text(post("Post 3", "2024-01-04", tags="[python]", body="Body 3, edited.\n"))
    monkeypatch.setattr(cachelib, "entry_row", lambda entry: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        build(site)
    assert dump(site) == before
    monkeypatch.undo()
    build(site)
    assert read_tree(site / "public") == clean(site)


def test_the_pack_is_compacted_when_most_of_it_is_dead_and_every_entry_follows(site, monkeypatch):
    monkeypatch.setattr(cachelib, "COMPACT_SLACK", 0)
    pack, db = site / ".cache/build/pack.bin", site / ".cache/build" / DB_NAME
    sizes = []
    for n in range(4):  # each edit leaves the post's old texts dead in the pack
        (site / "content/posts/p07.md").write_text(post("Post 7", "2024-01-08", tags="[python]", body=f"Body 7, edit {n}.\n" + "Long words. " * 2000))
        build(site)
        sizes.append(pack.stat().st_size)
    with sqlite3.connect(db) as database:
        live = database.execute("SELECT SUM(bytes) FROM entries").fetchone()[0]
        pack_size = database.execute("SELECT value FROM info WHERE name = 'pack_size'").fetchone()[0]
    assert min(sizes) < max(sizes) and int(pack_size) == pack.stat().st_size <= 2 * live  # it shrank, and holds what the entries say
    assert not (site / ".cache/build/pack.bin.tmp").exists()
    (site / "templates/base.html").write_text((site / "templates/base.html").read_text() + "\n")  # every page from the moved entries
    report = build(site)
    assert report.rendered == 0 and read_tree(site / "public") == clean(site) and build(site).noop


def test_a_forked_process_opens_its_own_connection(site):
    cache = BuildCache.open(site / ".cache/build")
    parent = cache.db.connection
    pid = os.fork()
    if pid == 0:
        try:
            ok = cache.db.connection is not parent and cache.db.query("SELECT count(*) FROM stamps") == [(POSTS,)]
            cache.db.close()  # its own, never the parent's
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.db.connection is parent and cache.db.query("SELECT count(*) FROM stamps") == [(POSTS,)]


def test_entries_are_read_by_key_then_all_at_once(site, monkeypatch):
    queries: list[str] = []
    real = CacheDb.query
    monkeypatch.setattr(CacheDb, "query", lambda self, sql, args=(): queries.append(sql) or real(self, sql, args))
    by_key, every = "SELECT meta, entry FROM entries WHERE sha = ?", "SELECT sha, meta, entry FROM entries"
    (site / "templates/base.html").write_text((site / "templates/base.html").read_text() + "\n")  # a normal build, every entry used
    monkeypatch.setattr(entryreads, "BULK_AFTER", 10**6)
    build(site)
    assert queries.count(by_key) == POSTS and every not in queries
    queries.clear()
    (site / "templates/base.html").write_text((site / "templates/base.html").read_text() + "\n")
    monkeypatch.setattr(entryreads, "BULK_AFTER", 3)
    report = build(site)
    assert queries.count(by_key) == 3 and queries.count(every) == 1
    assert report.rendered == 0 and read_tree(site / "public") == clean(site)


def test_front_matter_alone_is_read_by_key_then_all_at_once(site, monkeypatch):
    queries: list[str] = []
    real = CacheDb.query
    monkeypatch.setattr(CacheDb, "query", lambda self, sql, args=(): queries.append(sql) or real(self, sql, args))
    monkeypatch.setattr(entryreads, "BULK_AFTER", 3)
    cache = BuildCache.open(site / ".cache/build")
    metas = {sha: cache.meta(sha) for sha in cache.previous_shas().values()}
    assert sorted(m["title"] for m in metas.values()) == sorted(f"Post {i}" for i in range(POSTS))
    assert queries.count("SELECT meta FROM entries WHERE sha = ?") == 3 and queries.count("SELECT sha, meta FROM entries") == 1
    assert not [q for q in queries if "entry" in q]  # the rest of each entry is not read
    assert cache.meta("0" * 40) is None


def test_a_no_op_build_reads_no_entry_and_no_page_table(site, monkeypatch):
    queries: list[str] = []
    real = CacheDb.query
    monkeypatch.setattr(CacheDb, "query", lambda self, sql, args=(): queries.append(sql) or real(self, sql, args))
    assert build(site).noop
    assert queries and not [q for q in queries if any(f"FROM {t}" in q for t in ("entries", "pages", "read_in_full", "listings"))]


@pytest.mark.parametrize("damage", ["UPDATE info SET value = '[5, 3, \"x\"]' WHERE name = 'format'", "DROP TABLE listings", "UPDATE info SET value = '[' WHERE name = 'format'"])
def test_a_clean_build_makes_a_database_of_another_format_anew(site, damage):
    """``build --clean`` ignores the cache, but never writes into a file of another format."""
    with sqlite3.connect(site / ".cache/build" / DB_NAME, isolation_level=None) as db:
        db.execute(damage)
    build(site, clean=True)
    assert read_tree(site / "public") == clean(site)
    assert build(site).noop and database_ok(site)


def database_ok(root: Path) -> bool:
    with sqlite3.connect(root / ".cache/build" / DB_NAME) as db:
        return db.execute("PRAGMA integrity_check").fetchall() == [("ok",)] and db.execute("SELECT count(*) FROM listings").fetchone() == (POSTS,)


def test_the_cache_of_the_json_format_is_removed(site):
    folder = site / ".cache/build"
    (folder / "index.json").write_text('{"format": 5}')
    (folder / "out-0123456789abcdef.json").write_text("{}")
    (site / "content/posts/p01.md").write_text(post("Post 1", "2024-01-02", body="Edited.\n"))
    build(site)
    assert not (folder / "index.json").exists() and not list(folder.glob("out-*.json"))
    assert read_tree(site / "public") == clean(site)


def _sample(hint: Any) -> Any:
    """A JSON value of the type hint, not its default (fails on a type the manifest cannot store)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return "x"
    if hint is int:
        return 7
    if hint is bool:
        return True
    if origin is list:
        return [_sample(args[0])]
    if origin is dict and args[0] is str:
        return {"k": _sample(args[1])}
    if origin in (typing.Union, types.UnionType):
        return _sample(next(arg for arg in args if arg is not type(None)))
    if isinstance(hint, type) and hasattr(hint, "from_json") and dataclasses.is_dataclass(hint):  # stored through its own JSON
        return hint(*(_sample(t) for t in typing.get_type_hints(hint).values()))
    raise AssertionError(f"a manifest field of type {hint} cannot be stored: give it a JSON type or to_json/from_json")


def test_every_small_field_of_the_manifest_is_stored_by_its_name(tmp_path):
    """A field added to OutputManifest is stored with no storage code (its type is checked)."""
    assert {"signature", "globals_key", "inputs", "in_feeds", "folded", "crossposts"} <= set(SMALL_FIELDS)
    manifest = OutputManifest.open(CacheDb(tmp_path, TABLES), "k")
    values = {name: _sample(HINTS[name]) for name in SMALL_FIELDS}
    for name, value in values.items():
        setattr(manifest, name, value)
    manifest.files = {"index.html": ["a" * 40, 10, 20]}
    manifest.pages, manifest.read_in_full = {"index.html": "d"}, {"index.html": ["posts/a.md"]}
    manifest.listings = [ListingRow(*(f"{field} 1" for field in ListingRow._fields))]
    manifest.save()
    again = OutputManifest.open(CacheDb(tmp_path, TABLES), "k")
    assert {name: getattr(again, name) for name in SMALL_FIELDS} == values and again == manifest
    assert (again.pages, again.read_in_full, again.listings) == (manifest.pages, manifest.read_in_full, manifest.listings)
    assert OutputManifest.open(CacheDb(tmp_path, TABLES), "another folder").files == {}


@pytest.mark.parametrize(
    ("value", "hint", "expected"),
    [("a", str, True), (1, str, False), (["a"], list[str], True), (["a", 1], list[str], False), ({"a": ["b"]}, dict[str, list[str]], True),
     ({"a": "b"}, dict[str, list[str]], False), (None, str | None, True), (True, int, False), (["a", "b", "c", "d", "e"], ListingRow, True), (["a"], ListingRow, False)],
)
def test_a_stored_value_is_checked_against_its_type_hint(value, hint, expected):
    assert fits(value, hint) is expected


def test_saved_manifest_equals_what_the_build_recorded(site):
    manifest = saved_manifest(site)
    assert len(manifest.listings) == POSTS and "index.html" in manifest.pages and "posts/post-3/index.html" in manifest.files


def test_a_cache_another_build_holds_is_an_error_not_damage(site, monkeypatch):
    """Another build holding the database (locked past the wait) is a one-line error
    naming the file, and the file is left as it was: never warned about as damaged,
    never replaced under the build that holds it."""
    import generator.incremental.cachedb as cachedb
    from generator.errors import BuildError

    monkeypatch.setattr(cachedb, "BUSY_TIMEOUT", 0.05)
    before = dump(site)
    holder = sqlite3.connect(site / ".cache/build" / DB_NAME, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BuildError) as raised:
            build(site)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    message = str(raised.value)
    assert "\n" not in message and DB_NAME in message and "another build" in message
    assert dump(site) == before
    assert build(site).noop


def test_a_full_disk_is_an_error_and_the_cache_is_kept(site, monkeypatch):
    """SQLite's 'database or disk is full' (here its page limit) is no damage: one error
    naming the file and saying what to do, and the cache the last build left is kept
    (never deleted to be made again on a disk with no room)."""
    import generator.incremental.cachedb as cachedb
    from generator.errors import BuildError

    before = dump(site)
    for i in range(40):  # rows enough to need new pages
        write_files(site, {f"content/posts/new{i:02}.md": post(f"New {i}", "2024-02-01", body=f"New body {i}.\n" * 20)})
    real_connect = sqlite3.connect

    def full_after_opening(path, *args, **kwargs):
        connection = real_connect(path, *args, **kwargs)
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {max(pages, 1)}")  # no room to grow
        return connection

    monkeypatch.setattr(cachedb.sqlite3, "connect", full_after_opening)
    with pytest.raises(BuildError) as raised:
        build(site)
    monkeypatch.undo()
    message = str(raised.value)
    assert "\n" not in message and DB_NAME in message and "full" in message and "build again" in message
    assert dump(site) == before


def test_a_failed_clean_build_leaves_the_cache_the_last_build_saved(site, caplog):
    """A clean build writes its texts beside pack.bin, which the database still points
    into, and puts them in place only as it saves: one that fails (a bad file, found
    once every file is parsed) leaves the last cache whole, not a pack written over."""
    import logging

    from generator.errors import ContentErrors

    write_files(site, {f"content/posts/q{i:02}.md": post(f"Q {i}", "2024-03-01", body=f"Q body {i}.\n" * 20) for i in range(70)})  # the pool's share
    build(site)
    for i in (3, 5, 7):  # edits: the pack's layout is not a clean build's
        (site / f"content/posts/p{i:02}.md").write_text(post(f"Post {i}", f"2024-01-{i + 1:02}", tags="[python]", body=f"Body {i}, edited.\n" * 30))
        build(site)
    before, good = dump(site), (site / "content/posts/p10.md").read_text()
    (site / "content/posts/p10.md").write_text("---\ntitle: [unclosed\n---\nx\n")
    with pytest.raises(ContentErrors):
        build(site, clean=True)
    assert dump(site) == before
    (site / "content/posts/p10.md").write_text(good)
    template = site / "templates/post.html"
    template.write_text(template.read_text() + "\n{# every post page made again, from the cached HTML #}\n")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        report = build(site)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert report.rendered == 0 and report.pages_rendered >= POSTS + 70  # no Markdown: every text read from the pack is sound
    assert read_tree(site / "public") == clean(site)
    build(site, clean=True)
    assert not (site / ".cache/build/pack.bin.new").exists() and build(site).noop
