"""The output manifest: what the last build into one output folder wrote, and from what.

One per output folder and set of options (``out_key``), in the cache's database
(``cachedb.py``): ``signature`` (a hash of every input of the last build), ``pages``
(output path -> digest of what its template saw), ``read_in_full`` (page -> the articles
it read in full), ``listings`` (every post shown, in order, with its keys, slug and
reading group), ``globals_key``, ``inputs``, ``in_feeds``, ``folded``, ``crossposts`` and
``tag_names`` (what the quick path, ``quick.py``, checks and uses), ``window`` (the clock
readings that publish the same posts: ``window.py``), and ``files`` (output path ->
sha1, size, mtime).

Storage: ``files`` and the small fields are read when the manifest is opened (a no-op
build needs them); ``listings`` when first used, ``pages`` and ``read_in_full``
too, unless asked only for a few rows (``pages_with_digests``, ``pages_reading``: the
quick path, which then saves only the rows it changed, ``record_changes``). The
small fields are the dataclass's own fields, each stored as JSON under its name and
checked against its type hint (a JSON type: str, int, bool, None, list, dict[str, ...],
or a class with ``to_json`` and ``from_json``, which returns None for a bad value), and
the listings' columns are ``ListingRow``'s fields: a new field needs no storage code. ``save`` writes only
the rows that changed since they were read.

Rows that are not in the expected shape are one warning and an empty manifest (or, found
later, empty pages, reads and listings): a bad manifest costs time, never correctness.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import typing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from generator.incremental.cachedb import CacheDb, Table, Writer, to_json
from generator.incremental.fieldcodec import BAD, decode_field, encode_field, loads
from generator.incremental.window import CLOSED, PublishWindow

__all__ = ["MANIFEST_FORMAT", "ListingRow", "PageChanges", "PageRecord", "OutputManifest"]

log = logging.getLogger(__name__)

MANIFEST_FORMAT = 5  # 4: the publish window, tag names, each listed post's reading group; 5: in the cache's SQLite database


class ListingRow(NamedTuple):
    """One post as the listings showed it (``PageMemo.listings``); a JSON list in the manifest."""

    path: str  # its article, relative to content/
    listing_key: str  # digest of what a listing shows of it ("" when unknown)
    full_key: str  # digest of everything a page reading it in full sees ("" when unknown)
    slug: str
    group: str = ""  # its ``source`` ("" for the site's own): previous/next links stay in a group


@dataclass
class PageRecord:
    """What a build learnt about the pages it made or kept, for the next build to check."""

    digests: dict[str, str] = dataclasses.field(default_factory=dict)  # output path -> digest of what made it
    read_in_full: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # page -> article paths it read in full
    listings: list[ListingRow] = dataclasses.field(default_factory=list)  # every post shown, in order
    globals_key: str = ""  # what every page depended on besides its context
    in_feeds: list[str] = dataclasses.field(default_factory=list)  # articles some feed shows in full
    folded: list[str] = dataclasses.field(default_factory=list)  # published articles shown as a copy on another's page
    crossposts: list[str] = dataclasses.field(default_factory=list)  # articles whose body can change what is merged
    tag_names: dict[str, str] = dataclasses.field(default_factory=dict)  # tag slug -> how the site spells it (assemble.tag_names)
    window: PublishWindow = CLOSED  # the clock readings that publish the same posts


@dataclass
class PageChanges:
    """The few rows of ``pages``, ``read_in_full`` and ``listings`` a quick build changed
    (``OutputManifest.record_changes``): written without reading the tables whole."""

    digests: dict[str, str | None] = dataclasses.field(default_factory=dict)  # output path -> its new digest (None: it has none now)
    read_in_full: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # page -> what it read in full now ([]: nothing)
    listings: dict[int, ListingRow] = dataclasses.field(default_factory=dict)  # position -> its new row


MANIFEST = Table("manifest", "name", ("value",), scoped=True)  # the small fields, JSON by name
FILES = Table("files", "path", ("sha", "size", "mtime"), scoped=True)
PAGES = Table("pages", "path", ("digest",), scoped=True)
READ_IN_FULL = Table("read_in_full", "page", ("paths",), scoped=True)  # JSON list of article paths
LISTINGS = Table("listings", "position", ListingRow._fields, scoped=True)
MANIFEST_TABLES = (MANIFEST, FILES, PAGES, READ_IN_FULL, LISTINGS)


@dataclass
class OutputManifest:
    """What the last build into one output folder wrote (see the module docstring).

    Its fields compared (``compare=True``) besides ``files`` are its *small fields*,
    stored one row each; ``pages``, ``read_in_full`` and ``listings`` are properties,
    read from the database when first used.
    """

    db: CacheDb | None = dataclasses.field(default=None, compare=False, repr=False)
    out_key: str = dataclasses.field(default="", compare=False)
    signature: str = ""
    files: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # path -> [sha1, size, mtime_ns]
    globals_key: str = ""  # what every page depended on besides its context (PageMemo.globals_key)
    inputs: str = ""  # a hash of config, code, theme, feeds and options (not content): see quick.py
    in_feeds: list[str] = dataclasses.field(default_factory=list)  # articles some feed shows in full
    folded: list[str] = dataclasses.field(default_factory=list)  # published articles shown on another's page (crosspost.py)
    crossposts: list[str] = dataclasses.field(default_factory=list)  # articles whose body can change what is merged
    tag_names: dict[str, str] = dataclasses.field(default_factory=dict)  # tag slug -> how the site spells it
    window: PublishWindow = CLOSED  # the clock readings that publish the same posts (window.py)
    refreshed: bool = dataclasses.field(default=False, compare=False)  # a file's mtime was updated after its bytes were checked
    _pages: _PageTables | None = dataclasses.field(default=None, compare=False, repr=False)  # None: not read yet
    _changes: PageChanges | None = dataclasses.field(default=None, compare=False, repr=False)  # to write, the tables unread
    _listings: list[ListingRow] | None = dataclasses.field(default=None, compare=False, repr=False)  # None: not read yet
    _saved: _Saved = dataclasses.field(default_factory=lambda: _Saved(), compare=False, repr=False)

    @property
    def pages(self) -> dict[str, str]:
        """Output path -> digest of what made it (pages and other outputs kept by digest)."""
        return self._tables().pages

    @pages.setter
    def pages(self, value: dict[str, str]) -> None:
        self._tables().pages = value
        self._changes = None

    @property
    def read_in_full(self) -> dict[str, list[str]]:
        """Page -> article paths it read in full."""
        return self._tables().read_in_full

    @read_in_full.setter
    def read_in_full(self, value: dict[str, list[str]]) -> None:
        self._tables().read_in_full = value

    @property
    def listings(self) -> list[ListingRow]:
        """Every post shown, in order (read without ``pages`` and ``read_in_full``)."""
        if self._listings is None:
            self._listings = _read_listings(self) if self._pages is None else self._pages.listings
        return self._listings

    @listings.setter
    def listings(self, value: list[ListingRow]) -> None:
        self._listings = value
        if self._pages is not None:
            self._pages.listings = value

    def pages_with_digests(self, digests: set[str]) -> dict[str, str]:
        """Digest -> the output path recorded with it, for these digests only (the last
        path in key order, as ``{d: p for p, d in pages.items()}`` would give); without
        reading ``pages`` whole when it was not read yet."""
        if self._pages is not None or self.db is None or self._saved.generation is None or not digests:
            return {d: p for p, d in self.pages.items() if d in digests}
        marks = ",".join("?" * len(digests))
        rows = self.db.query(f"SELECT path, digest FROM {PAGES.name} WHERE out_key = ? AND digest IN ({marks}) ORDER BY path", (self.out_key, *sorted(digests)))
        return {d: p for p, d in rows if type(p) is str and type(d) is str}

    def pages_reading(self, path: str) -> list[str] | None:
        """The pages that read this article in full; without reading ``read_in_full``
        whole when it was not read yet (a query for rows naming it, each checked
        exactly). None when a row is not in the expected shape."""
        if self._pages is not None or self.db is None or self._saved.generation is None:
            return [page for page, paths in self.read_in_full.items() if path in paths]
        pages = []
        for page, paths in self.db.query(f"SELECT page, paths FROM {READ_IN_FULL.name} WHERE out_key = ? AND instr(paths, ?) > 0", (self.out_key, to_json(path))):
            names = loads(paths)
            if type(page) is not str or type(names) is not list or not all(type(n) is str for n in names):
                return None
            if path in names:
                pages.append(page)
        return pages

    def intact(self, out_dir: Path, rel: str) -> bool:
        """The file is on disk exactly as the last build left it: same size and mtime, or,
        when only its mtime moved, the same bytes (sha1).

        Copies move mtimes: a project copied elsewhere, or an output folder restored from
        a deploy cache (Netlify's keeps them only to the millisecond). The bytes decide
        then, once: the new mtime is remembered (``refreshed``) for the next build.
        """
        known = self.files.get(rel)
        return known is not None and self._as_left(os.path.join(out_dir, rel), known)

    def all_intact(self, out_dir: Path) -> bool:
        """Every file the last build wrote is ``intact``: one ``stat`` each (27,000 in a
        no-op build at 20,000 posts), its path one string concatenation."""
        if not self.files:
            return False
        prefix, stat = os.path.join(out_dir, ""), os.stat
        for rel, known in self.files.items():
            try:
                st = stat(prefix + rel)
            except OSError:
                return False
            if (st.st_mtime_ns != known[2] or st.st_size != known[1]) and not self._as_left(prefix + rel, known):
                return False  # (the common case, size and mtime as recorded, without a call)
        return True

    def _as_left(self, path: str, known: list[Any]) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != known[1]:
            return False
        if st.st_mtime_ns == known[2]:
            return True
        if not _holds(path, known[0]):
            return False
        known[2] = st.st_mtime_ns  # the row publish copies for a kept file, and saves
        self.refreshed = True
        return True

    def record(self, files: dict[str, list[Any]], pages: PageRecord | None, signature: str | None, inputs: str) -> None:
        """Remember this build (every build, quick or not, ends here): what it wrote,
        from what, and its signature; then save."""
        pages = pages or PageRecord()
        self.files = dict(files)
        self.pages = {p: d for p, d in pages.digests.items() if p in self.files}
        self.read_in_full = {p: r for p, r in pages.read_in_full.items() if p in self.pages and r}
        self.listings, self.globals_key = pages.listings, pages.globals_key
        self.in_feeds, self.folded, self.crossposts = pages.in_feeds, pages.folded, pages.crossposts
        self.tag_names, self.window = pages.tag_names, pages.window
        self.inputs = inputs
        self.signature = signature or ""
        self.save()

    def record_changes(self, files: dict[str, list[Any]], changes: PageChanges, signature: str | None, inputs: str) -> None:
        """Remember a quick build: what it wrote, the few page rows it changed (applied to
        the tables when they were read, else written as they are), and its signature."""
        self.files = dict(files)
        rows = self.listings
        for i, row in changes.listings.items():
            rows[i] = row
        if self._pages is not None:
            _apply(changes, self._pages, self.files)
        else:
            self._changes = changes
        self.inputs = inputs
        self.signature = signature or ""
        self.save()

    def save(self) -> None:
        """Write, in one transaction, the rows that differ from those read."""
        if self.db is not None:
            self.db.write(partial(_write, self))

    @classmethod
    def open(cls, db: CacheDb, out_key: str, clean: bool = False) -> OutputManifest:
        """The manifest of the output folder ``out_key`` (empty when ``clean``, or when
        it is missing or not in the expected shape: then saved over whole)."""
        empty = cls(db, out_key, _pages=None if not clean else _PageTables())
        if clean:
            return empty
        small: dict[str, str] = dict(db.rows(MANIFEST, out_key))
        files = db.rows(FILES, out_key)
        if not small or any(name not in small for name in SMALL_FIELDS):
            return empty  # none yet, or made by another version of this module: quietly
        values = {name: decode_field(small[name], HINTS[name]) for name in SMALL_FIELDS}
        if any(value is BAD for value in values.values()) or not all(type(sha) is str and len(sha) == 40 and type(size) is type(mtime) is int for _, sha, size, mtime in files):
            log.warning("build cache %s: the manifest of output %s is not in the expected shape; rebuilding it", db.path.name, out_key)
            return empty
        manifest = cls(db, out_key, files={row[0]: list(row[1:]) for row in files}, **values)
        manifest._saved = _Saved(db.generation, {n: small[n] for n in SMALL_FIELDS}, {row[0]: list(row[1:]) for row in files})
        return manifest

    def _tables(self) -> _PageTables:
        """pages, read_in_full and listings, read together when one is first used."""
        if self._pages is None:
            self._pages = _PageTables()
            if self.db is not None and self._saved.generation is not None:
                _read_page_tables(self, self.db)
        return self._pages


@dataclass
class _PageTables:
    """The manifest's tables read when first used (``OutputManifest.pages`` ...)."""

    pages: dict[str, str] = dataclasses.field(default_factory=dict)
    read_in_full: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    listings: list[ListingRow] = dataclasses.field(default_factory=list)


@dataclass
class _Saved:
    """The rows a manifest was read from (what ``save`` compares with); a table is None
    when unknown: it is then written whole."""

    generation: int | None = None  # of the database file they were read from (None: nothing read)
    small: dict[str, str] | None = None  # name -> JSON
    files: dict[str, list[Any]] | None = None  # copies: OutputManifest.intact updates its rows in place
    pages: dict[str, str] | None = None
    read_in_full: dict[str, list[str]] | None = None
    listings: dict[int, ListingRow] | None = None


SMALL_FIELDS = tuple(f.name for f in dataclasses.fields(OutputManifest) if f.compare and f.name != "files")
HINTS = typing.get_type_hints(OutputManifest)
LISTING_TYPES = tuple(typing.get_type_hints(ListingRow).values())  # each a plain type: str


def _read_listings(manifest: OutputManifest) -> list[ListingRow]:
    """Read and check the listings alone (the quick path needs no more); a bad row is one
    warning and no listings (a quick build is then refused, a normal one rewrites them)."""
    if manifest.db is None or manifest._saved.generation is None:
        return []
    rows = manifest.db.rows(LISTINGS, manifest.out_key)
    if not _listing_rows_fit(rows):
        log.warning("build cache %s: the pages of output %s are not in the expected shape; rebuilding them", manifest.db.path.name, manifest.out_key)
        return []
    listings = [ListingRow._make(row[1:]) for row in rows]
    if manifest.db.generation == manifest._saved.generation:
        manifest._saved.listings = dict(enumerate(listings))
    return listings


def _listing_rows_fit(rows: list[Any]) -> bool:
    return all(all(type(v) is t for v, t in zip(row[1:], LISTING_TYPES, strict=True)) for row in rows) and [row[0] for row in rows] == list(range(len(rows)))  # (rows come in key order)


def _read_page_tables(manifest: OutputManifest, db: CacheDb) -> None:
    """Read and check pages, read_in_full and listings (unless read already); a bad row
    empties all three."""
    assert manifest._pages is not None
    pages: dict[str, str] = dict(db.rows(PAGES, manifest.out_key))
    known = manifest._listings
    rows = db.rows(LISTINGS, manifest.out_key) if known is None else [(i, *row) for i, row in enumerate(known)]
    try:
        paths = {page: orjson.loads(value) for page, value in db.rows(READ_IN_FULL, manifest.out_key)}
    except (ValueError, TypeError):
        paths = {"": None}  # not JSON: fails the check below
    # Checks written out rather than with fits(): 20,000 rows a table at each quick build.
    if not (
        all(type(k) is str and type(v) is str for k, v in pages.items())
        and all(type(k) is str and type(v) is list and all(type(p) is str for p in v) for k, v in paths.items())
        and _listing_rows_fit(rows)
    ):
        log.warning("build cache %s: the pages of output %s are not in the expected shape; rebuilding them", db.path.name, manifest.out_key)
        return  # empty, and written whole
    manifest._pages = _PageTables(pages, paths, known if known is not None else [ListingRow._make(row[1:]) for row in rows])
    manifest._listings = manifest._pages.listings
    if db.generation == manifest._saved.generation:
        manifest._saved.pages, manifest._saved.read_in_full = dict(pages), dict(paths)
        if known is None:
            manifest._saved.listings = dict(enumerate(manifest._pages.listings))


def _write(manifest: OutputManifest, db: Writer) -> None:
    """The manifest's rows that differ from those read (every row, when unknown); what
    is written is then remembered as read, for a second save."""
    saved, key = manifest._saved, manifest.out_key
    if manifest.db is not None and saved.generation != manifest.db.generation:
        saved = _Saved()  # read from another file, or none: everything is written
    # Values are compared as the build holds them (lists, strings, ListingRows), and turned
    # into columns only for the rows that changed.
    now = _Saved(manifest.db.generation if manifest.db else None, {n: encode_field(getattr(manifest, n)) for n in SMALL_FIELDS}, {p: [*r] for p, r in manifest.files.items()})
    assert now.small is not None and now.files is not None
    db.sync(MANIFEST, now.small, saved.small, key, _one)
    db.sync(FILES, now.files, saved.files, key)
    tables = manifest._pages
    if tables is not None:  # else not read, so not changed (but for a quick build's few rows)
        now.pages, now.read_in_full = dict(tables.pages), dict(tables.read_in_full)
        db.sync(PAGES, now.pages, saved.pages, key, _one)
        db.sync(READ_IN_FULL, now.read_in_full, saved.read_in_full, key, _one_json)
    elif manifest._changes is not None:
        _write_changes(manifest._changes, db, key, whole=saved is not manifest._saved)
        manifest._changes = None
    if manifest._listings is not None:
        now.listings = dict(enumerate(manifest._listings))
        db.sync(LISTINGS, now.listings, saved.listings, key)
    manifest._saved = now


def _write_changes(changes: PageChanges, db: Writer, key: str, whole: bool) -> None:
    """A quick build's few rows of pages and read_in_full, the tables unread. ``whole``: the
    rows were read from another file (the cache was replaced meanwhile): the tables are
    emptied instead, which costs the next build its page reuse, never correctness."""
    if whole:
        db.clear(PAGES, key)
        db.clear(READ_IN_FULL, key)
        return
    db.upsert(PAGES, [(path, digest) for path, digest in changes.digests.items() if digest], key)
    db.delete(PAGES, [path for path, digest in changes.digests.items() if not digest], key)
    reads = {page: paths for page, paths in changes.read_in_full.items() if paths and changes.digests.get(page)}
    db.upsert(READ_IN_FULL, [(page, to_json(paths)) for page, paths in reads.items()], key)
    db.delete(READ_IN_FULL, sorted(_reads_dropped(changes, reads)), key)


def _reads_dropped(changes: PageChanges, kept: dict[str, list[str]]) -> set[str]:
    """Pages whose reads go: those given new reads but none kept, and those left without a digest."""
    return {page for page in changes.read_in_full if page not in kept} | {path for path, digest in changes.digests.items() if not digest}


def _apply(changes: PageChanges, tables: _PageTables, files: dict[str, list[Any]]) -> None:
    """The same changes, to tables read already (``record``'s rules: a page has a row
    only with a digest and a file; its reads only with a row)."""
    for path, digest in changes.digests.items():
        if digest and path in files:
            tables.pages[path] = digest
        else:
            tables.pages.pop(path, None)
    for page in changes.read_in_full:
        tables.read_in_full.pop(page, None)
        paths = changes.read_in_full[page]
        if paths and page in tables.pages:
            tables.read_in_full[page] = paths
    for path, digest in changes.digests.items():
        if not digest or path not in tables.pages:
            tables.read_in_full.pop(path, None)


def _one(value: Any) -> tuple[Any]:
    return (value,)


def _one_json(value: Any) -> tuple[str]:
    return (to_json(value),)


def _holds(path: str, sha: str) -> bool:
    """The file's bytes have this sha1."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha1").hexdigest() == sha
    except OSError:
        return False
