"""The records of the build cache: article entries and file stamps (their JSON, their
validation), and what the cache hands out for an entry (:class:`CachedArticle`,
:class:`StoredRendered`).

An entry is a row of the database's ``entries`` table, keyed by its file's sha1 (see
``cachedb.py``): its front matter's JSON in one column, the rest of it as a JSON object
in another (:func:`entry_row`, :meth:`CacheEntry.from_row`). Its texts (Markdown, HTML,
table of contents, highlighted blocks, search text) sit in ``pack.bin``, each named by a
:class:`Where`, in JSON a list ``[offset, length, crc32]``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple, Protocol

import orjson

from generator.incremental.frontmatter import Meta
from generator.models import Article, Rendered

__all__ = ["Where", "CacheEntry", "CachedArticle", "StoredRendered", "Stamp", "StampRow", "stamp_of", "cached_summary", "EntryRow", "entry_row", "meta_of"]

log = logging.getLogger("generator.incremental.cache")  # its warnings are the cache's

Json = dict[str, Any]
StampRow = list[Any]  # [size, mtime_ns, ctime_ns, inode, sha1] of a content file (a row of the stamps table)


class Stamp(NamedTuple):
    """What says a content file is unchanged without reading it (with its sha1 in the index)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int


def stamp_of(st: os.stat_result) -> Stamp:
    return Stamp(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def cached_summary(summary: tuple[int, str] | None, length: int) -> str | None:
    """The automatic summary the cache holds, if it was cut at this site's ``length`` (else None: make it)."""
    return summary[1] if summary is not None and summary[0] == length else None


class Where(NamedTuple):
    """Where a text sits in ``pack.bin``, with the CRC-32 checked on every read."""

    offset: int
    length: int
    crc: int


@dataclass(slots=True)
class CacheEntry:
    """What the cache knows of one content file (by its sha1)."""

    meta: Meta | None  # the front matter (``frontmatter.article_to_json``); None: it does not round-trip
    toc: Where
    reading_time: int
    body: Where | None = None  # the Markdown, kept only while the entry was never rendered (a draft)
    html: Where | None = None  # None: never rendered
    blocks: Where | None = None  # JSON of ``Rendered.blocks``: highlighted code an edit can reuse
    summary: tuple[int, str] | None = None  # (length limit, automatic summary), once a build made it
    search: tuple[str, Where] | None = None  # (hash of search.py, the post's search text), once made
    declared: tuple[str, list[str]] | None = None  # (hash of crosspost.py, URLs the body names as its original)

    def texts(self) -> Iterator[Where]:
        """Every text of the entry in the pack."""
        for where in (self.body, self.html, self.toc, self.blocks, self.search[1] if self.search else None):
            if where is not None:
                yield where

    def moved(self, new_place: dict[Where, Where]) -> CacheEntry:
        """The same entry, its texts at their places in a compacted pack."""
        def at(where: Where | None) -> Where | None:
            return None if where is None else new_place[where]

        search = (self.search[0], new_place[self.search[1]]) if self.search else None
        return CacheEntry(self.meta, new_place[self.toc], self.reading_time, at(self.body), at(self.html), at(self.blocks), self.summary, search, self.declared)

    def to_json(self) -> Json:
        data: Json = {"meta": self.meta, "toc": list(self.toc), "reading_time": self.reading_time, "body": _list(self.body), "html": _list(self.html)}
        if self.blocks is not None:
            data["blocks"] = list(self.blocks)
        if self.summary is not None:
            data["summary"] = list(self.summary)
        if self.search is not None:
            data["search"] = [self.search[0], *self.search[1]]
        if self.declared is not None:
            data["declared"] = [self.declared[0], self.declared[1]]
        return data

    @classmethod
    def from_row(cls, row: EntryRow, pack_size: int) -> CacheEntry | None:
        """The entry a row of the entries table holds (see :func:`entry_row`), or None."""
        meta, rest = row
        try:
            data = orjson.loads(rest)
            if type(data) is dict:
                data["meta"] = None if meta is None else orjson.loads(meta)
        except (ValueError, TypeError):  # not JSON, or not text at all
            return None
        return cls.from_json(data, pack_size)

    @classmethod
    def from_json(cls, data: Any, pack_size: int) -> CacheEntry | None:
        """The entry, or None when ``data`` is not a sound entry for a pack of ``pack_size`` bytes.
        (Checks are written out rather than with all(): 20,000 entries are read per build.)"""
        if type(data) is not dict or not (data.get("meta") is None or type(data["meta"]) is dict) or type(data.get("reading_time")) is not int:
            return None
        html, body, toc = _where(data.get("html"), pack_size), _where(data.get("body"), pack_size), _where(data.get("toc"), pack_size)
        if toc is None or (html is None and body is None) or (data.get("html") is not None and html is None) or (data.get("body") is not None and body is None):
            return None
        blocks = _where(data.get("blocks"), pack_size)
        if blocks is None and data.get("blocks") is not None:
            return None
        summary, search, declared = data.get("summary"), data.get("search"), data.get("declared")
        if summary is not None and not (type(summary) is list and len(summary) == 2 and type(summary[0]) is int and type(summary[1]) is str):
            return None
        if declared is not None and not (type(declared) is list and len(declared) == 2 and type(declared[0]) is str and type(declared[1]) is list and all(type(u) is str for u in declared[1])):
            return None
        found = _where(search[1:], pack_size) if type(search) is list and len(search) == 4 and type(search[0]) is str else None
        if search is not None and found is None:
            return None
        return cls(
            data["meta"], toc, data["reading_time"], body, html, blocks,
            (summary[0], summary[1]) if summary else None,
            (search[0], found) if found is not None and search is not None else None,
            (declared[0], declared[1]) if declared else None,
        )


EntryRow = tuple[Any, Any]  # (meta, entry) columns of the entries table as read: JSON, unchecked


def entry_row(entry: CacheEntry) -> tuple[str | None, str, int]:
    """The (meta, entry, bytes) columns of the entries table for an entry (JSON as str:
    orjson's bytes each hold a 4 KB buffer, too much for 20,000 rows in a transaction)."""
    data = entry.to_json()
    meta = data.pop("meta")
    return (None if meta is None else orjson.dumps(meta).decode()), orjson.dumps(data).decode(), sum(where.length for where in entry.texts())


def meta_of(column: Any) -> Any:
    """The front matter column of a row, unchecked beyond being a JSON object (None else)."""
    try:
        meta = orjson.loads(column) if column is not None else None
    except (ValueError, TypeError):  # not JSON, or not text at all
        return None
    return meta if type(meta) is dict else None


def _list(where: Where | None) -> list[int] | None:
    return None if where is None else list(where)


def _where(value: Any, pack_size: int) -> Where | None:
    """[offset, length, crc] of a text inside the pack's first ``pack_size`` bytes, else None."""
    if type(value) is list and len(value) == 3 and type(value[0]) is int and type(value[1]) is int and type(value[2]) is int:
        if value[0] >= 0 and value[1] >= 0 and value[0] + value[1] <= pack_size:
            return Where(value[0], value[1], value[2])
    return None


@dataclass(frozen=True)
class CachedArticle:
    """One article as the cache remembers it.

    ``rendered`` is None when it never was rendered (an unpublished draft): its body is
    then read, since it will need rendering. Otherwise the body stays on disk and
    ``article.body`` is '' (a build renders only Markdown it has not rendered before).
    """

    article: Article
    rendered: Rendered | None  # a StoredRendered
    reading_time: int
    summary: tuple[int, str] | None = None  # (length limit, automatic summary), once a build made it


class TextSource(Protocol):
    """Where a :class:`StoredRendered` reads its texts: the build cache (``cache.BuildCache``)."""

    def text(self, where: Where) -> str: ...

    def note_damage(self) -> None: ...


class StoredRendered:
    """An article's HTML and table of contents in ``pack.bin``, read each time asked for.

    A damaged text (CRC mismatch) is never used: ``remake`` renders the article again
    from its file, and the cache is marked so that its next opening checks every entry.
    """

    __slots__ = ("_cache", "_html", "_toc", "_remake", "_remade")
    blocks: tuple[tuple[str, int, int], ...] = ()  # where code blocks sit: only fresh renders carry them to the cache

    def __init__(self, cache: TextSource, html: Where, toc: Where, remake: Callable[[], Rendered] | None):
        self._cache, self._html, self._toc, self._remake = cache, html, toc, remake
        self._remade: Rendered | None = None

    @property
    def html(self) -> str:
        return self._texts().html

    @property
    def toc(self) -> list[dict[str, Any]]:
        return self._texts().toc

    def _texts(self) -> Rendered:
        if self._remade is not None:
            return self._remade
        try:
            return Rendered(self._cache.text(self._html), orjson.loads(self._cache.text(self._toc)))
        except ValueError as exc:
            if self._remake is None:
                raise
            log.warning("build cache: %s; rendering the article again", exc)
            self._cache.note_damage()
            self._remade = self._remake()
            return self._remade
