"""The build cache: what an incremental build may reuse, and proof that it still may.

Everything lives in ``.cache/build/`` (ignored by git): one SQLite database plus one
append-only pack of text; never pickle, so a cache can be read, queried and thrown away
safely (``docs/BUILD-CACHE.md`` has the whole layout).

``cache.sqlite`` (``cachedb.py`` has its tables)
    ``key`` (``signature.cache_key``: cache format, renderer, libraries, time zone; when
    it differs no article is reused); ``stamps``: content file -> (size, mtime, ctime,
    inode, sha1), trusted only when the file was last modified more than
    :data:`RACY_NS` before the build that recorded it; ``entries``: file sha1 -> its
    :class:`~generator.incremental.entries.CacheEntry`; and each output folder's
    manifest (``manifest.py``).
``pack.bin``
    UTF-8 texts, appended to, each with a CRC-32 checked on read; rewritten whole when
    more than half of it is dead; written anew (``pack.bin.new``, in place once saved)
    by a build that starts afresh. Texts are read when a build needs them
    (:class:`StoredRendered`); a damaged one is made again from its file, and leaves a
    ``damaged`` mark so that the next build checks every entry before trusting any.

Opening reads the stamps (every build needs them); an entry is read when first asked
for (``entryreads.py``: by its key, or with the rest once a build has asked for many).
Each entry is validated when first used (a no-op
build reads only front matter). Saving writes, in one transaction, only the rows that
changed. Anything wrong is one warning and that part of the cache is treated as empty:
a bad cache costs time, never correctness.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, cast

import orjson

from generator.incremental.cachedb import CACHE_TABLES, ENTRIES, INFO, STAMPS, CacheDb, Writer, schema_digest, to_json
from generator.incremental.digests import sha1
from generator.incremental.entries import (
    CachedArticle,
    CacheEntry,
    StampRow,
    StoredRendered,
    Where,
    entry_row,
    stamp_of,
)
from generator.incremental.entryreads import EntryReads
from generator.incremental.frontmatter import Meta, article_from_json, article_to_json
from generator.incremental.manifest import MANIFEST_FORMAT, MANIFEST_TABLES, OutputManifest
from generator.incremental.pack import Pack
from generator.models import Article, Rendered

__all__ = ["BuildCache", "CachedArticle", "StoredRendered", "RACY_NS"]

log = logging.getLogger(__name__)

CACHE_FORMAT = 6  # 3: the Markdown is kept only for entries never rendered; 4: misspelt front-matter keys are errors; 5: copy_of keys; 6: SQLite
RACY_NS = 2_000_000_000  # a stamp this close to its build's start is re-checked by hashing
TABLES = CACHE_TABLES + MANIFEST_TABLES
FORMAT = [CACHE_FORMAT, MANIFEST_FORMAT, schema_digest(TABLES)]  # info's "format": any other, and the file is made anew
COMPACT_SLACK = 1 << 20  # pack bytes past twice the live ones before it is rewritten without its dead texts
DAMAGE_MARK = "damaged"  # left in the cache folder when a build met a damaged text
LEGACY = ("index.json", "out-*.json")  # the cache before format 6: ours, removed when a build saves


# ---------------------------------------------------------------- the cache


class BuildCache:
    """The article cache and stamps of one site (``.cache/build/``)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.db = CacheDb(folder, TABLES)
        self.key = ""  # of the entries held; see require_key()
        self.started_ns = time.time_ns()
        self._stamps: dict[str, StampRow] = {}  # as the database holds them
        self._new_stamps: dict[str, StampRow] = {}  # as this build found them
        self._articles: dict[str, CacheEntry] = {}  # entries read (validated) or made by this build
        self._reads = EntryReads(self.db)  # rows of the entries table, read when asked for
        self._changed: set[str] = set()  # entries to write back
        self._stamps_read = False  # _stamps is what the database holds (else its stamps are replaced whole)
        self.pack = Pack(folder)
        self._recorded_ns = 0
        self._used: set[str] = set()
        self.dirty = False  # anything to save?

    # ---- loading and validating

    @classmethod
    def open(cls, folder: Path, clean: bool = False) -> BuildCache:
        """The cache in ``folder``, its info and stamps read and validated; empty when
        ``clean`` (it is then saved over: still checked, so that a file of another
        format or a damaged one is made anew, not written into)."""
        cache = cls(folder)
        if cache.db.broken:  # no database yet
            return cache
        problem = cache._adopt()
        if problem and not clean:
            log.warning("build cache %s: %s; rebuilding it", cache.db.path, problem)
        if problem or clean or cache.db.broken:
            cache._stamps, cache._stamps_read = {}, False
            cache.pack.start_fresh()
            cache._reads.stop()
        elif (folder / DAMAGE_MARK).exists():
            cache._drop_damaged()
        return cache

    def _adopt(self) -> str:
        """Take the database's info and stamps after checking them; return a problem or ''."""
        try:
            self.db.check()
        except sqlite3.DatabaseError as exc:
            self.db.damaged(exc)
            return ""
        info: dict[str, Any] = {}
        for name, value in self.db.rows(INFO):
            try:
                info[name] = orjson.loads(value)
            except (ValueError, TypeError):
                return "a bad info row"
        if info.get("format") != FORMAT or type(info.get("key")) is not str:
            self.db.discard()  # another version of this module: start empty, quietly (not corrupt)
            return ""
        try:
            self.db.check_tables()
        except sqlite3.DatabaseError as exc:
            self.db.damaged(exc)
            return ""
        size, recorded = info.get("pack_size"), info.get("recorded_ns")
        if type(size) is not int or type(recorded) is not int:
            return "not in the expected shape"
        pack = self.folder / "pack.bin"
        if size and (not pack.exists() or pack.stat().st_size < size):
            return "pack.bin is shorter than its index says"
        rows = self.db.rows(STAMPS)
        # Checks written out, not through a function: 20,000 rows at every build's opening.
        if not all(type(size) is type(mtime) is type(ctime) is type(inode) is int and type(sha) is str for _, size, mtime, ctime, inode, sha in rows):
            return "a bad file stamp"
        stamps = {row[0]: list(row[1:]) for row in rows}
        self._stamps, self.pack.size, self.key, self._recorded_ns = stamps, size, info["key"], recorded
        self._stamps_read = True
        return ""

    def _drop_damaged(self) -> None:
        """A build found a damaged text: check every entry's texts, keep only sound ones."""
        def sound(entry: CacheEntry) -> bool:
            try:
                for where in entry.texts():
                    self.text(where)
            except ValueError:
                return False
            return True

        for digest in self._reads.read_all():
            self._entry(digest)
        damaged = [d for d, e in self._articles.items() if not sound(e)]
        for digest in damaged:
            del self._articles[digest]
        for digest in damaged:
            self._reads.forget(digest)
        log.warning("build cache: %d damaged entries dropped", len(damaged))
        (self.folder / DAMAGE_MARK).unlink(missing_ok=True)
        self.dirty = True

    def note_damage(self) -> None:
        """Leave a mark (from any process, a forked worker too) for the next opening."""
        try:
            (self.folder / DAMAGE_MARK).touch()
        except OSError:
            pass

    def require_key(self, key: str) -> None:
        """Forget every article entry made under another key (renderer, libraries, time zone).

        Checked only before entries are used: a no-op build never needs them, and its
        signature covers the same things.
        """
        if key != self.key:
            if not self._reads.off:
                log.debug("build cache made by another renderer or time zone: not reused")
            self._articles, self.key, self.dirty = {}, key, True
            self._reads.stop()

    # ---- content files

    def read_source(self, path: Path | str, rel: str) -> tuple[str, bytes | None]:
        """The sha1 of a content file, and its bytes when they had to be read.

        The bytes are skipped (None) when the file's stamp matches a trusted one.
        """
        st = os.stat(path)
        known = self._stamps.get(rel)
        # Field by field, not through a Stamp: 20,000 of these in every build's scan.
        if known and known[1] == st.st_mtime_ns and known[0] == st.st_size and known[2] == st.st_ctime_ns and known[3] == st.st_ino \
                and st.st_mtime_ns < self._recorded_ns - RACY_NS:
            self._new_stamps[rel] = known
            return str(known[4]), None
        stamp = stamp_of(st)
        with open(path, "rb") as fh:
            data = fh.read()
        digest = sha1(data)
        self._new_stamps[rel] = [*stamp, digest]
        if not known or known != self._new_stamps[rel]:
            self.dirty = True
        return digest, data

    def previous_shas(self) -> dict[str, str]:
        """Content file -> sha1, as the last build saw them."""
        return {rel: str(row[4]) for rel, row in self._stamps.items()}

    # ---- articles

    def keep(self, digests: Iterable[str]) -> None:
        """Mark entries as still in use without reading them (a no-op build)."""
        self._used.update(digests)

    def _entry(self, digest: str) -> CacheEntry | None:
        """The entry for this sha1, validated the first time it is asked for (a no-op build
        reads only front matter: 20,000 entries need not be checked for it). A bad one is
        one warning and a miss: its file is read again."""
        entry = self._articles.get(digest)
        if entry is not None:
            return entry
        row = self._reads.take(digest)
        if row is None:
            return None
        entry = CacheEntry.from_row(row, self.pack.size)
        if entry is None:
            log.warning("build cache: a bad article entry (%s); making it again", digest)
            self._reads.forget(digest)
            self.dirty = True
            return None
        self._articles[digest] = entry
        return entry

    def meta(self, digest: str) -> Meta | None:
        """The front matter cached for this sha1 (without checking the rest of its entry)."""
        entry = self._articles.get(digest)
        return entry.meta if entry is not None else self._reads.meta(digest)

    def article(self, digest: str, path: str, remake: Callable[[], Rendered] | None = None) -> CachedArticle | None:
        """The cached parse and render of the file with this sha1, or None.

        ``remake`` renders the article again should its cached HTML turn out damaged.
        """
        entry = self._entry(digest)
        if entry is None or entry.meta is None:
            return None
        body = ""
        if entry.html is None and entry.body is not None:  # never rendered: the build may need to render it now
            try:
                body = self.text(entry.body)
            except ValueError as exc:
                log.warning("build cache: %s (%s); reading it again", exc, path)
                self._articles.pop(digest, None)
                self._reads.forget(digest)
                self.dirty = True
                return None
        self._used.add(digest)
        return CachedArticle(article_from_json(entry.meta, body, path), self._stored(entry, remake), entry.reading_time, entry.summary)

    def rendered(self, digest: str, remake: Callable[[], Rendered] | None = None) -> tuple[Rendered, int] | None:
        """Just the HTML and toc (lazily) and reading time, for front matter the cache could not hold."""
        entry = self._entry(digest)
        stored = self._stored(entry, remake) if entry is not None else None
        if entry is None or stored is None:
            return None
        self._used.add(digest)
        return stored, entry.reading_time

    def _stored(self, entry: CacheEntry, remake: Callable[[], Rendered] | None) -> Rendered | None:
        """The entry's HTML and toc, read when asked for: a ``StoredRendered``, which reads
        like the ``Rendered`` it stands for (``html``, ``toc``, ``blocks``)."""
        return cast(Rendered, StoredRendered(self, entry.html, entry.toc, remake)) if entry.html else None

    def put(self, digest: str, article: Article, rendered: Rendered | None, reading_time: int, meta: Meta | None = None, made: bool = False) -> Rendered | None:
        """Remember a parsed article and its HTML (None: parsed only, e.g. an unpublished draft).

        ``made``: ``meta`` is ``article_to_json(article)``, made by a worker already.
        Returns the HTML as stored, so the caller need not keep the text in memory.
        """
        if rendered is None and self._entry(digest) is not None:
            self._used.add(digest)
            return None
        entry = CacheEntry(
            meta=meta if made else article_to_json(article),
            toc=self.pack.append(orjson.dumps(rendered.toc if rendered else []).decode()),
            reading_time=reading_time,
            # The Markdown is needed again only for an entry never rendered (a draft, say):
            # 30 MB a clean build of 5,000 posts need not write.
            body=self.pack.append(article.body) if rendered is None else None,
            html=self.pack.append(rendered.html) if rendered is not None else None,
            blocks=self.pack.append(orjson.dumps(rendered.blocks).decode()) if rendered is not None and rendered.blocks else None,
        )
        self._articles[digest] = entry
        self._changed.add(digest)
        self.dirty = True
        self._used.add(digest)
        return self._stored(entry, None)

    def highlights(self, digest: str) -> dict[str, str]:
        """The highlighted code blocks of an entry's HTML, by ``markup.block_key`` (none
        when unknown or damaged: they are then highlighted again)."""
        entry = self._entry(digest)
        if not entry or not entry.blocks or not entry.html:
            return {}
        try:
            html, blocks = self.text(entry.html), orjson.loads(self.text(entry.blocks))
            return {key: html[start : start + length] for key, start, length in blocks}
        except (ValueError, TypeError):
            return {}

    def remember_summary(self, digest: str, limit: int, text: str) -> None:
        """Keep an automatic summary (cut at ``limit`` characters) made from the entry's HTML."""
        entry = self._entry(digest)
        if entry is not None and entry.summary != (limit, text):
            entry.summary = (limit, text)
            self._changed.add(digest)
            self.dirty = True

    def flush(self) -> None:
        """Push appended texts to the file, before workers are forked (``Pack.flush``)."""
        self.pack.flush()

    def search_fields(self, digest: str | None, version: str, compute: Callable[[], Sequence[str]]) -> list[str]:
        """A post's search-index text (``search.encoded_text_fields``: strings without a
        newline), kept in the pack beside its HTML.

        It is fixed by the file (HTML and tags) and the search code (``version``);
        ``compute`` makes it when not cached, and it is then remembered.
        """
        entry = self._entry(digest) if digest else None
        if entry is not None and entry.search is not None and entry.search[0] == version:
            try:
                return self.text(entry.search[1]).split("\n")
            except ValueError as exc:
                log.warning("build cache: %s; recomputing a search entry", exc)
        fields = list(compute())
        if entry is not None and digest is not None and not any("\n" in f for f in fields):
            entry.search = (version, self.pack.append("\n".join(fields)))
            self._changed.add(digest)
            self.dirty = True
        return fields

    def declared(self, digest: str | None, version: str, compute: Callable[[], Sequence[str]]) -> list[str]:
        """The URLs a file names as where it was first published (``crosspost.declared_urls``
        of its body), kept in its entry so that a build need not read every body again."""
        entry = self._entry(digest) if digest else None
        if entry is not None and entry.declared is not None and entry.declared[0] == version:
            return entry.declared[1]
        urls = list(compute())
        if entry is not None and digest is not None:
            entry.declared = (version, urls)
            self._changed.add(digest)
            self.dirty = True
        return urls

    def text(self, where: Where) -> str:
        """A text of the pack; ValueError when it is damaged (short, or a CRC mismatch)."""
        return self.pack.text(where)

    # ---- saving

    def save(self) -> None:
        """Write what changed, in one transaction (the pack's new tail is already written):
        stamps, entries made or updated, and no longer the entries no file uses."""
        if not self.dirty and self._new_stamps.keys() == self._stamps.keys() and all(row[4] in self._used for row in self._stamps.values()):
            self.close()
            return  # exactly what is on disk already: every entry is some file's
        try:
            self.db.write(self._write)
        finally:
            self.close()
        for pattern in LEGACY:
            for old in self.folder.glob(pattern):
                old.unlink(missing_ok=True)

    def _write(self, db: Writer) -> None:
        fresh = self.db.generation > 0  # the file was made now (missing or damaged): it holds nothing
        db.sync(STAMPS, self._new_stamps, self._stamps if self._stamps_read and not fresh else None)
        self._write_entries(db, fresh)
        self.pack.adopt_fresh()
        size = self.pack.size + self.pack.appended
        live = db.query("SELECT TOTAL(bytes) FROM entries")[0][0]
        if size > 2 * live + COMPACT_SLACK:
            size = self._compact(db)
        info = {"format": FORMAT, "key": self.key, "recorded_ns": self.started_ns, "pack_size": size}
        db.upsert(INFO, ((name, to_json(value)) for name, value in info.items()))

    def _write_entries(self, db: Writer, fresh: bool) -> None:
        """Entries this build made or changed, in; entries no file uses (or bad), out."""
        if fresh or self._reads.off:  # only what this build read or made is worth keeping
            keep = sorted(d for d in self._used if d in self._articles)
            db.clear(ENTRIES)
            db.upsert(ENTRIES, ((d, *entry_row(self._articles[d])) for d in keep))
            return
        held = {d for d, in db.query("SELECT sha FROM entries")}
        live = {d for d in self._used if d in self._articles or (d in held and d not in self._reads.skip)}
        db.delete(ENTRIES, sorted(held - live))
        db.upsert(ENTRIES, ((d, *entry_row(self._articles[d])) for d in sorted(live & self._changed)))

    def _compact(self, db: Writer) -> int:
        """Copy the live texts into a new pack.bin and point every entry at its new place
        (in the open transaction); return the pack's size."""
        for digest in self._reads.read_all(set(self._articles)):
            self._entry(digest)  # a bad one is dropped now
        live = {d: e for d, e in self._articles.items() if d in self._used}
        tmp, new_place = self.pack.compact(where for entry in live.values() for where in entry.texts())
        self._articles = {d: e.moved(new_place) for d, e in live.items()}
        db.clear(ENTRIES)
        db.upsert(ENTRIES, ((d, *entry_row(self._articles[d])) for d in sorted(self._articles)))
        self.pack.replace(tmp)
        return self.pack.size

    def close(self) -> None:
        self.pack.close()

    # ---- the per-output-folder manifest

    def manifest(self, out_key: str, clean: bool = False) -> OutputManifest:
        """What the last build into the output folder ``out_key`` wrote (empty when ``clean``)."""
        return OutputManifest.open(self.db, out_key, clean)
