"""Reading the build cache's ``entries`` table as a build asks for entries.

A row is read by its key when first asked for; once a build has asked for
:data:`BULK_AFTER` of them it will ask for most (a normal build after a change reads
every post's entry), and the rest are read in one query: a query by key costs some 7
microseconds a row against 1.5 a row for the whole table (20,000 entries, measured). Front matter alone is read without the rest
of the entry, and parsed once. Rows are handed over unchecked:
``CacheEntry.from_row`` checks them (``cache.py``).
"""

from __future__ import annotations

from generator.incremental.cachedb import CacheDb
from generator.incremental.entries import EntryRow, meta_of
from generator.incremental.frontmatter import Meta

__all__ = ["BULK_AFTER", "EntryReads"]

BULK_AFTER = 200  # rows read one by one before the rest are read in one query


class EntryReads:
    """The rows of the entries table one build has read, or may still read."""

    def __init__(self, db: CacheDb):
        self.db = db
        self.off = False  # the table is not to be read (a clean build, another key, a damaged cache)
        self.skip: set[str] = set()  # entries found bad: never read again
        self._rows: dict[str, EntryRow] = {}  # read, not yet taken
        self._metas: dict[str, Meta | None] = {}
        self._all_rows = False
        self._all_metas = False
        self._point_reads = 0
        self._meta_reads = 0

    def stop(self) -> None:
        """Read nothing more, and forget what was read (the entries are not to be used)."""
        self.off, self._rows, self._metas = True, {}, {}

    def take(self, digest: str) -> EntryRow | None:
        """The entry's row, once: the caller keeps what it makes of it."""
        if self.off or digest in self.skip:
            return None
        row = self._rows.pop(digest, None)
        if row is not None or self._all_rows:
            return row
        self._point_reads += 1
        if self._point_reads > BULK_AFTER:
            self.read_all()
            return self._rows.pop(digest, None)
        found = self.db.query("SELECT meta, entry FROM entries WHERE sha = ?", (digest,))
        return (found[0][0], found[0][1]) if found else None

    def read_all(self, taken: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """Read every row not read yet (not those ``taken`` already); return their keys."""
        if not self.off and not self._all_rows:
            for digest, meta, entry in self.db.query("SELECT sha, meta, entry FROM entries"):
                if digest not in taken and digest not in self.skip and digest not in self._rows:
                    self._rows[digest] = (meta, entry)
            self._all_rows = True
        return list(self._rows)

    def meta(self, digest: str) -> Meta | None:
        """The entry's front matter, unchecked beyond being a JSON object."""
        if digest in self._metas or self.off or digest in self.skip:
            return self._metas.get(digest)
        row = self._rows.get(digest)
        if row is None and not self._all_rows:
            if self._all_metas:
                return None
            self._meta_reads += 1
            if self._meta_reads > BULK_AFTER:
                self._read_all_metas()
                return self._metas.get(digest)
            found = self.db.query("SELECT meta FROM entries WHERE sha = ?", (digest,))
            row = (found[0][0], None) if found else None
        self._metas[digest] = meta_of(row[0]) if row is not None else None
        return self._metas[digest]

    def _read_all_metas(self) -> None:
        for digest, meta in self.db.query("SELECT sha, meta FROM entries"):
            if digest not in self._metas and digest not in self.skip:
                self._metas[digest] = meta_of(meta)
        self._all_metas = True

    def forget(self, digest: str) -> None:
        """The entry is bad: never read it again."""
        self.skip.add(digest)
        self._rows.pop(digest, None)
        self._metas.pop(digest, None)
