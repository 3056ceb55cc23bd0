"""The build cache: what an incremental build may reuse, and proof that it still may.

Everything lives in ``.cache/build/`` (ignored by git), as JSON plus one append-only
pack of text; never pickle, so a cache can be read, diffed and thrown away safely
(``docs/BUILD-CACHE.md`` has the whole layout).

``index.json``
    ``key`` (``signature.cache_key``: cache format, renderer, libraries, time zone; when
    it differs no article is reused); ``stamps``: content file -> (size, mtime, ctime,
    inode, sha1), trusted only when the file was last modified more than
    :data:`RACY_NS` before the build that recorded it; ``articles``: file sha1 -> its
    :class:`~generator.incremental.entries.CacheEntry`.
``pack.bin``
    UTF-8 texts, appended to, each with a CRC-32 checked on read; rewritten whole when
    more than half of it is dead. Texts are read when a build needs them
    (:class:`StoredRendered`); a damaged one is made again from its file, and leaves a
    ``damaged`` mark so that the next build checks every entry before trusting any.
``out-<hash>.json``
    what the last build into one output folder wrote, and from what (``manifest.py``).

Every file is validated on load (an article entry when a build first uses it: a no-op
build reads only front matter); anything wrong is one warning and that part of the
cache is treated as empty: a bad cache costs time, never correctness.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Sequence, cast

import orjson

from generator.files import atomic_write
from generator.incremental.digests import sha1
from generator.incremental.entries import (
    CachedArticle,
    CacheEntry,
    StampRow,
    StoredRendered,
    Where,
    stamp_of,
    valid_stamp,
)
from generator.incremental.frontmatter import Meta, article_from_json, article_to_json
from generator.incremental.manifest import OutputManifest
from generator.models import Article, Rendered

__all__ = ["BuildCache", "CachedArticle", "StoredRendered", "RACY_NS"]

log = logging.getLogger(__name__)

CACHE_FORMAT = 5  # 3: the Markdown is kept only for entries never rendered; 4: misspelt front-matter keys are errors; 5: copy_of keys
RACY_NS = 2_000_000_000  # a stamp this close to its build's start is re-checked by hashing
DAMAGE_MARK = "damaged"  # left in the cache folder when a build met a damaged text


# ---------------------------------------------------------------- the cache


class BuildCache:
    """The article cache and stamps of one site (``.cache/build/``)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.key = ""  # of the entries held; see require_key()
        self.started_ns = time.time_ns()
        self._stamps: dict[str, StampRow] = {}
        self._articles: dict[str, CacheEntry] = {}  # entries read (validated) or made by this build
        self._raw: dict[str, Any] = {}  # entries as index.json has them, validated when first used
        self._pack_size = 0  # bytes of pack.bin this index vouches for
        self._writer: IO[bytes] | None = None  # pack.bin opened for appending, once this build adds to it
        self._reader: IO[bytes] | None = None
        self._appended = 0  # bytes this build added after _pack_size
        self._recorded_ns = 0
        self._new_stamps: dict[str, StampRow] = {}
        self._used: set[str] = set()
        self.dirty = False  # anything to save?

    # ---- loading and validating

    @classmethod
    def open(cls, folder: Path, clean: bool = False) -> BuildCache:
        """The cache in ``folder``, validated; empty when ``clean`` (it is then saved over)."""
        cache = cls(folder)
        index = folder / "index.json"
        if clean or not index.exists():
            return cache
        try:
            problem = cache._adopt(orjson.loads(index.read_bytes()))
        except (ValueError, OSError, TypeError, KeyError, AttributeError) as exc:
            problem = f"unreadable ({exc})"
        if problem:
            log.warning("build cache %s: %s; rebuilding it", index, problem)
            cache._stamps, cache._articles, cache._raw, cache._pack_size = {}, {}, {}, 0
        elif (folder / DAMAGE_MARK).exists():
            cache._drop_damaged()
        return cache

    def _drop_damaged(self) -> None:
        """A build found a damaged text: check every entry's texts, keep only sound ones."""
        def sound(entry: CacheEntry) -> bool:
            try:
                for where in entry.texts():
                    self.text(where)
            except ValueError:
                return False
            return True

        for digest in list(self._raw):
            self._entry(digest)
        before = len(self._articles)
        self._articles = {d: e for d, e in self._articles.items() if sound(e)}
        log.warning("build cache: %d damaged entries dropped", before - len(self._articles))
        (self.folder / DAMAGE_MARK).unlink(missing_ok=True)
        self.dirty = True

    def note_damage(self) -> None:
        """Leave a mark (from any process, a forked worker too) for the next opening."""
        try:
            (self.folder / DAMAGE_MARK).touch()
        except OSError:
            pass

    def _adopt(self, data: dict[str, Any]) -> str:
        """Take the index's content after checking its shape; return a problem or ''."""
        if data.get("format") != CACHE_FORMAT or not isinstance(data.get("key"), str):
            return ""  # another version of this module: start empty, quietly (not corrupt)
        stamps, articles, size = data["stamps"], data["articles"], data["pack_size"]
        if not (isinstance(stamps, dict) and isinstance(articles, dict) and isinstance(size, int)):
            return "not in the expected shape"
        if not all(valid_stamp(row) for row in stamps.values()):
            return "a bad file stamp"
        pack = self.folder / "pack.bin"
        if size and (not pack.exists() or pack.stat().st_size < size):
            return "pack.bin is shorter than its index says"
        self._stamps, self._raw, self._pack_size = stamps, articles, size
        self.key = data["key"]
        self._recorded_ns = data.get("recorded_ns", 0) if isinstance(data.get("recorded_ns"), int) else 0
        return ""

    def require_key(self, key: str) -> None:
        """Forget every article entry made under another key (renderer, libraries, time zone).

        Checked only before entries are used: a no-op build never needs them, and its
        signature covers the same things.
        """
        if key != self.key:
            if self._articles or self._raw:
                log.debug("build cache made by another renderer or time zone: not reused")
            self._articles, self._raw, self.key, self.dirty = {}, {}, key, True

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
        self._used.update(d for d in digests if d in self._articles or d in self._raw)

    def _entry(self, digest: str) -> CacheEntry | None:
        """The entry for this sha1, validated the first time it is asked for (a no-op build
        reads only front matter: 20,000 entries need not be checked for it). A bad one is
        one warning and a miss: its file is read again."""
        entry = self._articles.get(digest)
        if entry is not None or digest not in self._raw:
            return entry
        entry = CacheEntry.from_json(self._raw.pop(digest), self._pack_size)
        if entry is None:
            log.warning("build cache: a bad article entry (%s); making it again", digest)
            self.dirty = True
            return None
        self._articles[digest] = entry
        return entry

    def meta(self, digest: str) -> Meta | None:
        """The front matter cached for this sha1 (without checking the rest of its entry)."""
        entry = self._articles.get(digest)
        if entry is not None:
            return entry.meta
        raw = self._raw.get(digest)
        meta = raw.get("meta") if type(raw) is dict else None
        return meta if type(meta) is dict else None

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
            toc=self._append(orjson.dumps(rendered.toc if rendered else []).decode()),
            reading_time=reading_time,
            # The Markdown is needed again only for an entry never rendered (a draft, say):
            # 30 MB a clean build of 5,000 posts need not write.
            body=self._append(article.body) if rendered is None else None,
            html=self._append(rendered.html) if rendered is not None else None,
            blocks=self._append(orjson.dumps(rendered.blocks).decode()) if rendered is not None and rendered.blocks else None,
        )
        self._articles[digest] = entry
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
            self.dirty = True

    def flush(self) -> None:
        """Push appended texts to the file: forked workers read the pack through their own
        descriptors, and must never inherit (and write out again) a half-full buffer."""
        if self._writer is not None:
            self._writer.flush()

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
        if entry is not None and not any("\n" in f for f in fields):
            entry.search = (version, self._append("\n".join(fields)))
            self.dirty = True
        return fields

    def declared(self, digest: str | None, version: str, compute: Callable[[], Sequence[str]]) -> list[str]:
        """The URLs a file names as where it was first published (``crosspost.declared_urls``
        of its body), kept in the index so that a build need not read every body again."""
        entry = self._entry(digest) if digest else None
        if entry is not None and entry.declared is not None and entry.declared[0] == version:
            return entry.declared[1]
        urls = list(compute())
        if entry is not None:
            entry.declared = (version, urls)
            self.dirty = True
        return urls

    # ---- the pack

    def _append(self, text: str) -> Where:
        """Add text to the end of pack.bin now (the saved index vouches only for what came
        before, so a crash here loses nothing), rather than holding a build's HTML in memory."""
        data = text.encode("utf-8")
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            pack = self.folder / "pack.bin"
            self._writer = pack.open("r+b" if pack.exists() else "w+b")
            self._writer.truncate(self._pack_size)  # any tail a crashed build left
            self._writer.seek(self._pack_size)
        offset = self._pack_size + self._appended
        self._writer.write(data)
        self._appended += len(data)
        return Where(offset, len(data), zlib.crc32(data))

    def _read(self, offset: int, length: int) -> bytes:
        if self._writer is not None:
            self._writer.flush()
            return os.pread(self._writer.fileno(), length, offset)
        if self._reader is None:
            self._reader = (self.folder / "pack.bin").open("rb")
        return os.pread(self._reader.fileno(), length, offset)

    def text(self, where: Where) -> str:
        """A text of the pack; ValueError when it is damaged (short, or a CRC mismatch)."""
        data = self._read(where.offset, where.length)
        if len(data) != where.length or zlib.crc32(data) != where.crc:
            raise ValueError("a cached text is damaged")
        return data.decode("utf-8")

    # ---- saving

    def save(self) -> None:
        """Write the index (the pack's new tail is already written); drop entries no file uses."""
        if not self.dirty and set(self._stamps) == set(self._new_stamps) and set(self._articles) | set(self._raw) <= self._used:
            self.close()
            return  # exactly what is on disk already
        self.folder.mkdir(parents=True, exist_ok=True)
        live = {d: e for d, e in self._articles.items() if d in self._used}
        unread = {d: e for d, e in self._raw.items() if d in self._used}  # written back as they came
        live_bytes = sum(where.length for e in live.values() for where in e.texts()) + sum(map(_unread_bytes, unread.values()))
        size = self._pack_size + self._appended
        if size > 2 * live_bytes + (1 << 20):
            for digest in list(unread):
                entry = self._entry(digest)
                if entry is not None:
                    live[digest] = entry
            unread = {}
            live, size = self._compact(live)
        self.close()
        data = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "recorded_ns": self.started_ns,
            "pack_size": size,
            "stamps": self._new_stamps,
            "articles": {**unread, **{d: e.to_json() for d, e in live.items()}},
        }
        atomic_write(self.folder / "index.json", orjson.dumps(data))

    def _compact(self, live: dict[str, CacheEntry]) -> tuple[dict[str, CacheEntry], int]:
        """Copy the live texts, one at a time, into a new pack.bin; return the entries
        as they now point into it, and its size."""
        pack = self.folder / "pack.bin"
        tmp = self.folder / "pack.bin.tmp"
        offset = 0
        new_place: dict[Where, Where] = {}
        with tmp.open("wb") as out:
            for entry in live.values():
                for where in entry.texts():
                    out.write(self._read(where.offset, where.length))
                    new_place[where] = Where(offset, where.length, where.crc)
                    offset += where.length
        self.close()
        os.replace(tmp, pack)
        self._pack_size, self._appended = offset, 0
        return {d: e.moved(new_place) for d, e in live.items()}, offset

    def close(self) -> None:
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None

    # ---- the per-output-folder manifest

    def manifest(self, out_key: str, clean: bool = False) -> OutputManifest:
        path = self.folder / f"out-{out_key}.json"
        return OutputManifest(path) if clean else OutputManifest.load(path)


def _unread_bytes(raw: Any) -> int:
    """The pack bytes an entry not read this build points at (0 when it is not in shape:
    it is checked, and dropped, when a build first uses it)."""
    try:
        texts = sum(raw[k][1] for k in ("body", "html", "toc", "blocks") if raw.get(k))
        return int(texts + (raw["search"][2] if raw.get("search") else 0))
    except (TypeError, IndexError, KeyError, AttributeError):
        return 0
