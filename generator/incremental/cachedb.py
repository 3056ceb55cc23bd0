"""The build cache's database: one SQLite file, ``.cache/build/cache.sqlite`` (stdlib
``sqlite3``), read a table or a row at a time and written as differences.

Tables (every value is checked by its reader, never trusted; JSON where a value is a
record; ``docs/BUILD-CACHE.md`` has the same list; the manifest's are defined in
``manifest.py``, beside the records they hold):

``info`` (name -> JSON value)
    ``format`` (the cache's and the manifest's formats), ``key`` (see
    ``BuildCache.require_key``), ``recorded_ns`` (when the build that wrote it started),
    ``pack_size`` (bytes of ``pack.bin`` the entries may point into).
``stamps`` (rel -> size, mtime, ctime, inode, sha)
    each content file's stamp and the sha1 of its bytes.
``entries`` (sha -> meta, entry, bytes)
    a ``CacheEntry``: ``meta`` the front matter's JSON (NULL: it does not round-trip),
    ``entry`` the rest of it as JSON, ``bytes`` what its texts take in the pack (so the
    live size, which decides compaction, is one ``SUM``).
``manifest`` (out_key, name -> JSON value)
    the small fields of each output folder's ``OutputManifest``, one row a field, named
    after the dataclass fields: a new field is stored with no new code.
``files`` (out_key, path -> sha, size, mtime), ``pages`` (out_key, path -> digest),
``read_in_full`` (out_key, page -> JSON list of paths), ``listings`` (out_key,
position -> the fields of a ``ListingRow``: path, listing_key, full_key, slug, group)
    the manifest's keyed tables.

Journal: the rollback journal (``journal_mode=DELETE``), not WAL: a transaction either
commits whole or is rolled back from ``cache.sqlite-journal`` when the file is next
opened, and nothing but ``cache.sqlite`` is left between builds (WAL keeps ``-wal`` and
``-shm`` files beside it, which Netlify's cache plugin would copy half-way).
``synchronous=OFF``: a killed build cannot tear a transaction (the journal is in the
operating system's hands), only a power cut can, and a damaged file is detected and
rebuilt like any damaged cache; ``pack.bin`` is not synced either.

A forked worker never uses its parent's connection (SQLite forbids carrying one across
``fork``): :attr:`CacheDb.connection` opens one per process id. None queries it today:
the Markdown pool's workers get no cache, the page workers read only ``pack.bin``.

A file that is not ours, not a database, or damaged is one warning; its reads answer
nothing, and the next write replaces it with a new, empty database (it is our file).
A file another build holds past :data:`BUSY_TIMEOUT`, a full disk, a file or folder
that may not be written are not damage: a one-line ``BuildError`` naming the file and
what to do, and it is left as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import orjson

from generator.errors import BuildError

__all__ = ["DB_NAME", "Table", "CacheDb", "Writer", "to_json", "schema_digest", "INFO", "STAMPS", "ENTRIES", "CACHE_TABLES"]

log = logging.getLogger("generator.incremental.cache")  # its warnings are the cache's

DB_NAME = "cache.sqlite"
BUSY_TIMEOUT = 30.0  # seconds a build waits for another that holds the file (its save) before giving up
APPLICATION_ID = 0x504C4E54  # "PLNT" in the file's header: another program's database is not read as ours
Row = tuple[Any, ...]


def to_json(value: Any) -> str:
    """A value's JSON as a ``str`` column: orjson's bytes each hold a 4 KB buffer, which
    20,000 rows kept in memory (written, or remembered as written) would multiply."""
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class Table:
    """A table of the database: one key column (within an output folder when ``scoped``)
    and its value columns."""

    name: str
    key: str
    values: tuple[str, ...]
    scoped: bool = False  # rows belong to one output folder: out_key is part of the key
    clustered: bool = True  # rows stored in key order, keys once (small rows; not the entries' ~1 KB)

    @property
    def _key(self) -> str:
        """The key's columns, quoted: a field may be named like an SQL word (``group``)."""
        return ('"out_key", ' if self.scoped else "") + f'"{self.key}"'

    @property
    def _values(self) -> str:
        return ", ".join(f'"{name}"' for name in self.values)

    @property
    def create(self) -> str:
        clustered = " WITHOUT ROWID" if self.clustered else ""
        return f"CREATE TABLE {self.name} ({self._key}, {self._values}, PRIMARY KEY ({self._key})){clustered}"

    @property
    def select(self) -> str:
        where = ' WHERE "out_key" = ?' if self.scoped else ""
        return f'SELECT "{self.key}", {self._values} FROM {self.name}{where} ORDER BY "{self.key}"'

    @property
    def upsert(self) -> str:
        holes = ", ".join("?" * (len(self.values) + 1 + self.scoped))
        return f"INSERT OR REPLACE INTO {self.name} ({self._key}, {self._values}) VALUES ({holes})"

    @property
    def delete(self) -> str:
        return f"DELETE FROM {self.name} WHERE " + ('"out_key" = ? AND ' if self.scoped else "") + f'"{self.key}" = ?'


INFO = Table("info", "name", ("value",))
STAMPS = Table("stamps", "rel", ("size", "mtime", "ctime", "inode", "sha"))
ENTRIES = Table("entries", "sha", ("meta", "entry", "bytes"), clustered=False)
CACHE_TABLES = (INFO, STAMPS, ENTRIES)  # the manifest's are in manifest.py (MANIFEST_TABLES)


def schema_digest(tables: Sequence[Table]) -> str:
    """A hash of the tables' definitions: part of the cache's format (new columns, new file)."""
    return hashlib.sha1("\n".join(t.create for t in tables).encode()).hexdigest()[:12]


class CacheDb:
    """The database file of one cache folder, opened when first used (per process)."""

    def __init__(self, folder: Path, tables: Sequence[Table]):
        self.path = folder / DB_NAME
        self.tables = tables
        self.generation = 0  # bumped when the file is replaced: what was read before is not in it
        self.broken = not self.path.exists()  # nothing to read: the next write makes the file
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    @property
    def connection(self) -> sqlite3.Connection:
        """This process's connection: a forked worker opens its own, never its parent's."""
        if self._connection is None or self._pid != os.getpid():
            self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT)
            self._connection.execute("PRAGMA synchronous = OFF")
            self._pid = os.getpid()
        return self._connection

    def check(self) -> None:
        """Raise ``sqlite3.DatabaseError`` unless the file is a database of ours."""
        if self._not_damage_is_an_error(lambda: self.connection.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            raise sqlite3.DatabaseError("not a build cache")

    def check_tables(self) -> None:
        """Raise ``sqlite3.DatabaseError`` unless the file has exactly our tables (checked
        before anything is written into it: a write failing half-way would lose the rest)."""
        tables = dict(self._not_damage_is_an_error(lambda: self.connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()))
        if tables != {table.name: table.create for table in self.tables}:
            raise sqlite3.DatabaseError("not the tables it should have")

    def trouble(self, exc: sqlite3.DatabaseError) -> BuildError:
        """The error of a file that could not be read or written for a reason other than
        damage (another build holds it, a full disk, no permission: replacing the file
        would lose it for nothing): one line, naming it and what to do."""
        if _code(exc) in _HELD:
            return BuildError(f"build cache {self.path}: in use by another build for more than {BUSY_TIMEOUT:g} s;"
                              " wait for it to finish (or stop it), then build again")
        return BuildError(f"build cache {self.path}: {exc}; {_ADVICE.get(_code(exc), 'see that the folder can be written')}, then build again")

    def _not_damage_is_an_error(self, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            if _not_damage(exc):
                raise self.trouble(exc) from exc
            raise

    def damaged(self, problem: object) -> None:
        """One warning; the file is read no more, and replaced at the next write."""
        if not self.broken:
            log.warning("build cache %s: unreadable (%s); rebuilding it", self.path, problem)
        self.discard()

    def discard(self) -> None:
        """Read nothing more from the file (made by another version, say): quietly."""
        self.broken = True

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """The rows of a query; none when the file is missing or damaged (one warning)."""
        if self.broken:
            return []
        try:
            return self.connection.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:  # garbage, truncated, a foreign file's tables
            if _not_damage(exc):
                raise self.trouble(exc) from exc
            self.damaged(exc)
            return []

    def rows(self, table: Table, out_key: str | None = None) -> list[Row]:
        return self.query(table.select, (out_key,) if table.scoped else ())

    def write(self, fill: Callable[[Writer], None]) -> None:
        """Run ``fill`` in one transaction: all it writes is saved, or (interrupted,
        failing) none of it. A broken or missing file is first replaced by an empty
        database; one found damaged while writing is one warning, replaced, and ``fill``
        runs again on the new file (``generation`` tells it so)."""
        for attempt in (1, 2):
            try:
                if self.broken:
                    self._create()
                connection = self.connection
                connection.execute("BEGIN IMMEDIATE")
                try:
                    fill(Writer(connection))
                except BaseException:
                    if connection.in_transaction:  # SQLite rolls back itself on some errors (a full disk): its error is the one to raise
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return
            except sqlite3.DatabaseError as exc:
                if _not_damage(exc):
                    raise self.trouble(exc) from exc
                if attempt == 2:
                    raise
                self.damaged(exc)

    def _create(self) -> None:
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in ("", "-journal", "-wal", "-shm"):  # a stale journal must never be played into the new file
            Path(f"{self.path}{leftover}").unlink(missing_ok=True)
        connection = self.connection
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        with connection:
            for table in self.tables:
                connection.execute(table.create)
        self.broken = False
        self.generation += 1

    def close(self) -> None:
        """Close this process's connection (the next use opens it again)."""
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None


_HELD = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}  # another build holds the file
_ADVICE = {  # what to do about an error that is not the file's fault
    sqlite3.SQLITE_FULL: "free some disk space",
    sqlite3.SQLITE_IOERR: "check the disk",
    sqlite3.SQLITE_NOMEM: "free some memory",
    sqlite3.SQLITE_READONLY: "make the file and its folder writable",
    sqlite3.SQLITE_PERM: "make the file and its folder writable",
    sqlite3.SQLITE_CANTOPEN: "make the folder writable",
}


def _code(exc: sqlite3.DatabaseError) -> int:
    """SQLite's primary result code of an error (0: none, e.g. one of our own checks)."""
    return int(getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF  # extended codes keep the primary in their low byte


def _not_damage(exc: sqlite3.DatabaseError) -> bool:
    """The error is not the file's: another build holds it, the disk is full, or it may
    not be written. Never treated as damage: the file must not be replaced."""
    return _code(exc) in _HELD or _code(exc) in _ADVICE


class Writer:
    """Writes inside one :meth:`CacheDb.write` transaction."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return self.connection.execute(sql, args).fetchall()

    def upsert(self, table: Table, rows: Iterable[Row], out_key: str | None = None) -> None:
        """Insert or replace rows (key first, then the values)."""
        scope = (out_key,) if table.scoped else ()
        self.connection.executemany(table.upsert, (scope + tuple(row) for row in rows))

    def delete(self, table: Table, keys: Iterable[Any], out_key: str | None = None) -> None:
        scope = (out_key,) if table.scoped else ()
        self.connection.executemany(table.delete, ((*scope, key) for key in keys))

    def clear(self, table: Table, out_key: str | None = None) -> None:
        self.connection.execute(f"DELETE FROM {table.name}" + (" WHERE out_key = ?" if table.scoped else ""), (out_key,) if table.scoped else ())

    def sync(self, table: Table, new: Mapping[Any, Any], old: Mapping[Any, Any] | None, out_key: str | None = None,
             columns: Callable[[Any], Sequence[Any]] = tuple) -> None:
        """Make the table (an output folder's part of it) hold ``new`` (key -> value, its
        value ``columns`` made from a value): only the rows whose values differ from
        ``old``, what it held; ``old`` None: unknown, so every row is replaced."""
        if old is None:
            self.clear(table, out_key)
            self.upsert(table, ((key, *columns(value)) for key, value in new.items()), out_key)
            return
        self.upsert(table, ((key, *columns(value)) for key, value in new.items() if old.get(key) != value), out_key)
        self.delete(table, [key for key in old if key not in new], out_key)
