"""``pack.bin``: the build cache's texts (HTML, tables of contents, Markdown, search text).

Texts are appended, each named by a :class:`~generator.incremental.entries.Where`
(offset, length, CRC-32), and read back by ``pread`` and checked against the CRC. The
database vouches only for the pack's first ``size`` bytes, so a crash while appending
loses nothing: the next build cuts any tail off before it appends. :meth:`Pack.compact`
copies the live texts into a new file when most of it is dead.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import IO, Iterable

from generator.incremental.entries import Where

__all__ = ["Pack"]


class Pack:
    """One cache folder's ``pack.bin``, opened when first read or appended to."""

    def __init__(self, folder: Path, size: int = 0):
        self.path = folder / "pack.bin"
        self.size = size  # bytes the database vouches for
        self.appended = 0  # bytes this build added after them
        self._writer: IO[bytes] | None = None  # opened for appending, once this build adds to it
        self._reader: IO[bytes] | None = None
        self.fresh = False  # texts go to a new file (``start_fresh``)

    def start_fresh(self) -> None:
        """Write this build's texts to a new file, ``pack.bin.new``, leaving ``pack.bin``
        (which the database still points into) as it is until :meth:`adopt_fresh`, when
        the build's entries are saved: a clean build that fails or is interrupted leaves
        the cache the last build saved, not one whose texts were written over."""
        self.fresh, self.size = True, 0

    def adopt_fresh(self) -> None:
        """Put the new file in place (in the transaction that saves the entries pointing into it)."""
        if not self.fresh:
            return
        self.fresh = False
        new = self.path.with_name("pack.bin.new")
        if self._writer is not None:
            self._writer.flush()
            os.replace(new, self.path)  # the open handle follows the file

    def append(self, text: str) -> Where:
        """Add text to the end of the pack now, rather than holding a build's HTML in memory."""
        data = text.encode("utf-8")
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            target = self.path.with_name("pack.bin.new") if self.fresh else self.path
            self._writer = target.open("r+b" if target.exists() and not self.fresh else "w+b")
            self._writer.truncate(self.size)  # any tail a crashed build left
            self._writer.seek(self.size)
        offset = self.size + self.appended
        self._writer.write(data)
        self.appended += len(data)
        return Where(offset, len(data), zlib.crc32(data))

    def read(self, offset: int, length: int) -> bytes:
        if self._writer is not None:
            self._writer.flush()
            return os.pread(self._writer.fileno(), length, offset)
        if self._reader is None:
            self._reader = self.path.open("rb")
        return os.pread(self._reader.fileno(), length, offset)

    def text(self, where: Where) -> str:
        """A text of the pack; ValueError when it is damaged (short, or a CRC mismatch)."""
        data = self.read(where.offset, where.length)
        if len(data) != where.length or zlib.crc32(data) != where.crc:
            raise ValueError("a cached text is damaged")
        return data.decode("utf-8")

    def flush(self) -> None:
        """Push appended texts to the file: forked workers read the pack through their own
        descriptors, and must never inherit (and write out again) a half-full buffer."""
        if self._writer is not None:
            self._writer.flush()

    def compact(self, live: Iterable[Where]) -> tuple[Path, dict[Where, Where]]:
        """Copy the live texts, one at a time, into ``pack.bin.tmp``; return it and where
        each text now sits. :meth:`replace` puts it in place once its places are saved."""
        tmp = self.path.with_name("pack.bin.tmp")
        offset = 0
        new_place: dict[Where, Where] = {}
        with tmp.open("wb") as out:
            for where in live:
                if where not in new_place:
                    out.write(self.read(where.offset, where.length))
                    new_place[where] = Where(offset, where.length, where.crc)
                    offset += where.length
        return tmp, new_place

    def replace(self, tmp: Path) -> None:
        self.close()
        os.replace(tmp, self.path)
        self.size, self.appended = self.path.stat().st_size, 0

    def close(self) -> None:
        for handle in (self._writer, self._reader):
            if handle is not None:
                handle.close()
        self._writer = self._reader = None
