"""The build cache: what an incremental build may reuse, and proof that it still may.

Everything lives in ``.cache/build/`` (ignored by git), as JSON plus one append-only
pack of text; never pickle, so a cache can be read, diffed and thrown away safely.

``index.json``
    ``key``: a hash of the cache format, ``markup.RENDERER_VERSION``, the Markdown and
    Pygments versions and the site's time zone: when it differs, no article is reused
    (checked by ``require_key`` before the first one is read).
    ``stamps``: content file -> (size, mtime, ctime, inode, sha1), so an unchanged file
    is known without reading it. A stamp is trusted only when the file was last
    modified more than :data:`RACY_NS` before the build that recorded it started (a
    later edit within the same clock tick would otherwise go unseen).
    ``articles``: file sha1 -> the parsed front matter (JSON), the reading time, the
    automatic summary (with the length it was cut at), and where the body, the
    rendered HTML and the table of contents sit in ``pack.bin`` (and, once a build
    made it, the post's search-index text, tagged with a hash of ``search.py`` so that
    new search code recomputes it).
``pack.bin``
    UTF-8 texts, appended to; each entry carries a CRC-32 checked on read.
    Rewritten whole when more than half of it is dead. Texts are read when a build
    needs them (:class:`StoredRendered`), so a rebuild reads few of them; a damaged one
    is made again from its file, and leaves a ``damaged`` mark so that the next build
    checks every entry before trusting any.
``out-<hash>.json`` (one per output folder and set of options)
    what the last build into that folder wrote, and from what: see ``manifest.py``.
    Page digests are made by ``pagememo.py``, hashes of inputs by ``digests.py``.

Every file is validated on load. Anything wrong (bad JSON, a wrong type, a short pack,
a CRC mismatch) is logged as one warning and that part of the cache is treated as
empty: a bad cache costs time, never correctness.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

import orjson

from generator.files import atomic_write
from generator.incremental.digests import sha1
from generator.incremental.manifest import OutputManifest
from generator.models import Article, Rendered

__all__ = [
    "BuildCache",
    "CachedArticle",
    "StoredRendered",
    "Stamp",
    "article_to_json",
    "article_from_json",
    "date_to_json",
    "RACY_NS",
]

log = logging.getLogger(__name__)

_MAKE = object()  # put(): make the article's JSON here
CACHE_FORMAT = 5  # 3: the Markdown is kept only for entries never rendered; 4: misspelt front-matter keys are errors; 5: copy_of keys
RACY_NS = 2_000_000_000  # a stamp this close to its build's start is re-checked by hashing
DAMAGE_MARK = "damaged"  # left in the cache folder when a build met a damaged text

Stamp = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


# ---------------------------------------------------------------- articles as JSON

_DATE_FIELDS = ("date", "updated")


def date_to_json(value: datetime | None) -> list | None:
    if value is None:
        return None
    zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
    return [value.replace(tzinfo=None).isoformat(), zone, value.utcoffset().total_seconds()]


def _date_from_json(value: Any) -> datetime | None:
    if value is None:
        return None
    naive, zone, offset = value
    return _date(naive, zone, offset)


@lru_cache(maxsize=65536)
def _date(naive: str, zone: str | None, offset: float) -> datetime:
    """A date as the cache stores it (a build reads each post's date up to three times)."""
    tz = ZoneInfo(zone) if zone else timezone(timedelta(seconds=offset))
    return datetime.fromisoformat(naive).replace(tzinfo=tz)


def article_to_json(article: Article) -> dict | None:
    """Front matter fields as JSON (no body, no path); None when they would not round-trip."""
    data = {}
    for f in dataclasses.fields(Article):
        if f.name in ("body", "path"):
            continue
        value = getattr(article, f.name)
        if f.name in _DATE_FIELDS:
            value = date_to_json(value)
        elif isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        data[f.name] = value
    try:
        back = article_from_json(orjson.loads(orjson.dumps(data)), article.body, article.path)
    except (TypeError, ValueError):  # orjson's errors are both
        return None
    return data if _same_article(back, article) else None


def _same_article(a: Article, b: Article) -> bool:
    """Equal field by field, including each date's time zone object (== ignores it)."""
    if a != b or repr(a.extra) != repr(b.extra):
        return False
    return all(
        (getattr(a, n) is None) == (getattr(b, n) is None)
        and (getattr(a, n) is None or (getattr(a, n).tzinfo == getattr(b, n).tzinfo and getattr(a, n).isoformat() == getattr(b, n).isoformat()))
        for n in _DATE_FIELDS
    )


def article_from_json(data: dict, body: str, path: str) -> Article:
    values = dict(data)
    for name in _DATE_FIELDS:
        values[name] = _date_from_json(values[name])
    for name in ("tags", "copy_of", "not_copy_of"):
        values[name] = tuple(values.get(name, ()))
    values["extra"] = tuple((k, v) for k, v in values["extra"])
    return Article(**values, body=body, path=path)


@dataclass(frozen=True)
class CachedArticle:
    """One article as the cache remembers it.

    ``rendered`` is None when it never was rendered (an unpublished draft): its body is
    then read, since it will need rendering. Otherwise the body stays on disk and
    ``article.body`` is '' (a build renders only Markdown it has not rendered before).
    """

    article: Article
    rendered: "StoredRendered | None"
    reading_time: int
    summary: tuple[int, str] | None = None  # (length limit, automatic summary), once a build made it


class StoredRendered:
    """An article's HTML and table of contents in ``pack.bin``, read each time asked for.

    A damaged text (CRC mismatch) is never used: ``remake`` renders the article again
    from its file, and the cache is marked so that its next opening checks every entry.
    """

    __slots__ = ("_cache", "_html", "_toc", "_remake", "_remade")
    blocks = ()  # where code blocks sit: only fresh renders carry them to the cache

    def __init__(self, cache: "BuildCache", html: list[int], toc: list[int], remake: Callable[[], Rendered] | None):
        self._cache, self._html, self._toc, self._remake, self._remade = cache, html, toc, remake, None

    @property
    def html(self) -> str:
        return self._texts().html

    @property
    def toc(self) -> list:
        return self._texts().toc

    def _texts(self) -> Rendered:
        if self._remade is not None:
            return self._remade
        try:
            return Rendered(self._cache._text(self._html), orjson.loads(self._cache._text(self._toc)))
        except ValueError as exc:
            if self._remake is None:
                raise
            log.warning("build cache: %s; rendering the article again", exc)
            self._cache.note_damage()
            self._remade = self._remake()
            return self._remade


# ---------------------------------------------------------------- the cache


class BuildCache:
    """The article cache and stamps of one site (``.cache/build/``)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.key = ""  # of the entries held; see require_key()
        self.started_ns = time.time_ns()
        self._stamps: dict[str, list] = {}
        self._articles: dict[str, dict] = {}
        self._pack_size = 0  # bytes of pack.bin this index vouches for
        self._writer = None  # pack.bin opened for appending, once this build adds to it
        self._reader = None
        self._appended = 0  # bytes this build added after _pack_size
        self._recorded_ns = 0
        self._new_stamps: dict[str, list] = {}
        self._used: set[str] = set()
        self.dirty = False  # anything to save?

    # ---- loading and validating

    @classmethod
    def open(cls, folder: Path, clean: bool = False) -> "BuildCache":
        """The cache in ``folder``, validated; empty when ``clean`` (it is then saved over)."""
        cache = cls(folder)
        index = folder / "index.json"
        if clean or not index.exists():
            return cache
        try:
            data = orjson.loads(index.read_bytes())
            problem = cache._adopt(data)
        except (ValueError, OSError, TypeError, KeyError, AttributeError) as exc:
            problem = f"unreadable ({exc})"
        if problem:
            log.warning("build cache %s: %s; rebuilding it", index, problem)
            cache._stamps, cache._articles, cache._pack_size = {}, {}, 0
        elif (folder / DAMAGE_MARK).exists():
            cache._drop_damaged()
        return cache

    def _drop_damaged(self) -> None:
        """A build found a damaged text: check every entry's texts, keep only sound ones."""
        def sound(entry: dict) -> bool:
            try:
                for where in (entry["body"], entry["html"], entry["toc"], entry.get("blocks"), (entry.get("search") or [None])[1:] or None):
                    if where:
                        self._text(where)
            except ValueError:
                return False
            return True

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

    def _adopt(self, data: dict) -> str:
        """Take the index's content after checking its shape; return a problem or ''."""
        if data.get("format") != CACHE_FORMAT or not isinstance(data.get("key"), str):
            return ""  # another version of this module: start empty, quietly (not corrupt)
        stamps, articles, size = data["stamps"], data["articles"], data["pack_size"]
        if not (isinstance(stamps, dict) and isinstance(articles, dict) and isinstance(size, int)):
            return "not in the expected shape"
        for row in stamps.values():
            if not (type(row) is list and len(row) == 5 and type(row[0]) is type(row[1]) is type(row[2]) is type(row[3]) is int and type(row[4]) is str):
                return "a bad file stamp"
        for entry in articles.values():
            if not _valid_entry(entry, size):
                return "a bad article entry"
        pack = self.folder / "pack.bin"
        if size and (not pack.exists() or pack.stat().st_size < size):
            return "pack.bin is shorter than its index says"
        self._stamps, self._articles, self._pack_size = stamps, articles, size
        self.key = data["key"]
        self._recorded_ns = data.get("recorded_ns", 0) if isinstance(data.get("recorded_ns"), int) else 0
        return ""

    def require_key(self, key: str) -> None:
        """Forget every article entry made under another key (renderer, libraries, time zone).

        Checked only before entries are used: a no-op build never needs them, and its
        signature covers the same things.
        """
        if key != self.key:
            if self._articles:
                log.debug("build cache made by another renderer or time zone: not reused")
            self._articles, self.key, self.dirty = {}, key, True

    # ---- content files

    def read_source(self, path: Path | str, rel: str) -> tuple[str, bytes | None]:
        """The sha1 of a content file, and its bytes when they had to be read.

        The bytes are skipped (None) when the file's stamp matches a trusted one.
        """
        st = os.stat(path)
        stamp = stamp_of(st)
        known = self._stamps.get(rel)
        if known and tuple(known[:4]) == stamp and stamp[1] < self._recorded_ns - RACY_NS:
            self._new_stamps[rel] = known
            return known[4], None
        with open(path, "rb") as fh:
            data = fh.read()
        digest = sha1(data)
        self._new_stamps[rel] = [*stamp, digest]
        if not known or known != self._new_stamps[rel]:
            self.dirty = True
        return digest, data

    def previous_shas(self) -> dict[str, str]:
        """Content file -> sha1, as the last build saw them."""
        return {rel: row[4] for rel, row in self._stamps.items()}

    # ---- articles

    def keep(self, digests: Iterable[str]) -> None:
        """Mark entries as still in use without reading them (a no-op build)."""
        self._used.update(d for d in digests if d in self._articles)

    def meta(self, digest: str) -> dict | None:
        entry = self._articles.get(digest)
        return entry["meta"] if entry else None

    def article(self, digest: str, path: str, remake: Callable[[], Rendered] | None = None) -> CachedArticle | None:
        """The cached parse and render of the file with this sha1, or None.

        ``remake`` renders the article again should its cached HTML turn out damaged.
        """
        entry = self._articles.get(digest)
        if entry is None or entry["meta"] is None:
            return None
        body = ""
        if entry["html"] is None:  # never rendered: the build may need to render it now
            try:
                body = self._text(entry["body"])
            except ValueError as exc:
                log.warning("build cache: %s (%s); reading it again", exc, path)
                self._articles.pop(digest, None)
                self.dirty = True
                return None
        self._used.add(digest)
        return CachedArticle(article_from_json(entry["meta"], body, path), self._stored(entry, remake), entry["reading_time"], self._summary(entry))

    def rendered(self, digest: str, remake: Callable[[], Rendered] | None = None) -> tuple[StoredRendered, int] | None:
        """Just the HTML and toc (lazily) and reading time, for front matter the cache could not hold."""
        entry = self._articles.get(digest)
        if entry is None or entry["html"] is None:
            return None
        self._used.add(digest)
        return self._stored(entry, remake), entry["reading_time"]

    def _stored(self, entry: dict, remake: Callable[[], Rendered] | None) -> StoredRendered | None:
        return StoredRendered(self, entry["html"], entry["toc"], remake) if entry["html"] else None

    @staticmethod
    def _summary(entry: dict) -> tuple[int, str] | None:
        summary = entry.get("summary")
        return (summary[0], summary[1]) if summary else None

    def put(self, digest: str, article: Article, rendered: Rendered | None, reading_time: int, meta: dict | None | object = _MAKE) -> StoredRendered | None:
        """Remember a parsed article and its HTML (None: parsed only, e.g. an unpublished draft).

        ``meta`` is ``article_to_json(article)`` when a worker made it already. Returns the
        HTML as stored, so the caller need not keep the text in memory.
        """
        old = self._articles.get(digest)
        if rendered is None and old is not None:
            self._used.add(digest)
            return None
        entry = {
            "meta": article_to_json(article) if meta is _MAKE else meta,
            "toc": self._append(orjson.dumps(rendered.toc if rendered else []).decode()),
            "reading_time": reading_time,
            # The Markdown is needed again only for an entry never rendered (a draft, say):
            # 30 MB a clean build of 5,000 posts need not write.
            "body": self._append(article.body) if rendered is None else None,
            "html": self._append(rendered.html) if rendered is not None else None,
        }
        if rendered is not None and rendered.blocks:
            entry["blocks"] = self._append(orjson.dumps(rendered.blocks).decode())
        self._articles[digest] = entry
        self.dirty = True
        self._used.add(digest)
        return self._stored(entry, None)

    def highlights(self, digest: str) -> dict[str, str]:
        """The highlighted code blocks of an entry's HTML, by ``markup.block_key`` (none
        when unknown or damaged: they are then highlighted again)."""
        entry = self._articles.get(digest)
        if not entry or not entry.get("blocks") or not entry["html"]:
            return {}
        try:
            html, blocks = self._text(entry["html"]), orjson.loads(self._text(entry["blocks"]))
            return {key: html[start : start + length] for key, start, length in blocks}
        except (ValueError, TypeError):
            return {}

    def remember_summary(self, digest: str, limit: int, text: str) -> None:
        """Keep an automatic summary (cut at ``limit`` characters) made from the entry's HTML."""
        entry = self._articles.get(digest)
        if entry is not None and entry.get("summary") != [limit, text]:
            entry["summary"] = [limit, text]
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
        entry = self._articles.get(digest) if digest else None
        where = entry.get("search") if entry else None
        if where and where[0] == version:
            try:
                return self._text(where[1:]).split("\n")
            except ValueError as exc:
                log.warning("build cache: %s; recomputing a search entry", exc)
        fields = list(compute())
        if entry is not None and not any("\n" in f for f in fields):
            entry["search"] = [version, *self._append("\n".join(fields))]
            self.dirty = True
        return fields

    def declared(self, digest: str | None, version: str, compute: Callable[[], Sequence[str]]) -> list[str]:
        """The URLs a file names as where it was first published (``crosspost.declared_urls``
        of its body), kept in the index so that a build need not read every body again."""
        entry = self._articles.get(digest) if digest else None
        known = entry.get("declared") if entry else None
        if known and known[0] == version:
            return known[1]
        urls = list(compute())
        if entry is not None:
            entry["declared"] = [version, urls]
            self.dirty = True
        return urls

    def _append(self, text: str) -> list[int]:
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
        return [offset, len(data), zlib.crc32(data)]

    def _read(self, offset: int, length: int) -> bytes:
        if self._writer is not None:
            self._writer.flush()
            return os.pread(self._writer.fileno(), length, offset)
        if self._reader is None:
            self._reader = (self.folder / "pack.bin").open("rb")
        return os.pread(self._reader.fileno(), length, offset)

    def _text(self, where: list[int]) -> str:
        offset, length, crc = where
        data = self._read(offset, length)
        if len(data) != length or zlib.crc32(data) != crc:
            raise ValueError("a cached text is damaged")
        return data.decode("utf-8")

    # ---- saving

    def save(self) -> None:
        """Write the index (the pack's new tail is already written); drop entries no file uses."""
        if not self.dirty and set(self._stamps) == set(self._new_stamps) and set(self._articles) <= self._used:
            self.close()
            return  # exactly what is on disk already
        self.folder.mkdir(parents=True, exist_ok=True)
        live = {d: e for d, e in self._articles.items() if d in self._used}
        live_bytes = sum(
            (e["body"][1] if e["body"] else 0) + e["toc"][1] + (e["html"][1] if e["html"] else 0) + (e["search"][2] if e.get("search") else 0) + (e["blocks"][1] if e.get("blocks") else 0)
            for e in live.values()
        )
        size = self._pack_size + self._appended
        if size > 2 * live_bytes + (1 << 20):
            size = self._compact(live)
        self.close()
        data = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "recorded_ns": self.started_ns,
            "pack_size": size,
            "stamps": self._new_stamps,
            "articles": live,
        }
        atomic_write(self.folder / "index.json", orjson.dumps(data))

    def _compact(self, live: dict[str, dict]) -> int:
        """Copy the live texts, one at a time, into a new pack.bin; return its size."""
        pack = self.folder / "pack.bin"
        tmp = self.folder / "pack.bin.tmp"
        offset = 0
        with tmp.open("wb") as out:
            for entry in live.values():
                for part in ("body", "html", "toc", "blocks"):
                    if entry.get(part) is not None:
                        old = entry[part]
                        out.write(self._read(old[0], old[1]))
                        entry[part] = [offset, old[1], old[2]]
                        offset += old[1]
                if entry.get("search"):
                    version, *old = entry["search"]
                    out.write(self._read(old[0], old[1]))
                    entry["search"] = [version, offset, old[1], old[2]]
                    offset += old[1]
        self.close()
        os.replace(tmp, pack)
        self._pack_size, self._appended = offset, 0
        return offset

    def close(self) -> None:
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None

    # ---- the per-output-folder manifest

    def manifest(self, out_key: str, clean: bool = False) -> OutputManifest:
        path = self.folder / f"out-{out_key}.json"
        return OutputManifest(path) if clean else OutputManifest.load(path)


def _valid_where(where: Any, pack_size: int) -> bool:
    """[offset, length, crc] of a text inside the pack's first ``pack_size`` bytes.
    (Written out rather than with all(): 15,000 of these are checked per build.)"""
    return (
        type(where) is list and len(where) == 3 and type(where[0]) is int and type(where[1]) is int and type(where[2]) is int
        and where[0] >= 0 and where[1] >= 0 and where[0] + where[1] <= pack_size
    )


def _valid_entry(entry: Any, pack_size: int) -> bool:
    if type(entry) is not dict or not (entry.get("meta") is None or type(entry["meta"]) is dict) or type(entry.get("reading_time")) is not int:
        return False
    summary = entry.get("summary")
    if summary is not None and not (type(summary) is list and len(summary) == 2 and type(summary[0]) is int and type(summary[1]) is str):
        return False
    html, blocks = entry.get("html"), entry.get("blocks")
    body_ok = _valid_where(entry.get("body"), pack_size) if html is None or entry.get("body") is not None else True
    if not (body_ok and _valid_where(entry.get("toc"), pack_size) and (html is None or _valid_where(html, pack_size))):
        return False
    if blocks is not None and not _valid_where(blocks, pack_size):
        return False
    declared = entry.get("declared")  # [version, [url key, ...]]
    if declared is not None and not (type(declared) is list and len(declared) == 2 and type(declared[0]) is str and type(declared[1]) is list and all(type(u) is str for u in declared[1])):
        return False
    search = entry.get("search")  # [version, offset, length, crc] of search.text_fields
    return search is None or (type(search) is list and len(search) == 4 and type(search[0]) is str and _valid_where(search[1:], pack_size))


