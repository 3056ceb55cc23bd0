"""Filesystem helpers shared by the stages: atomic writes, and listing article files.

A write goes to a temporary file in the same folder and is renamed over the target,
so a reader (or a crash) never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "write_if_changed", "article_files"]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly ``data``; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write(path, data)
    return True


def article_files(content_dir: Path) -> list[str]:
    """Every ``*.md`` under content/ as a ``/``-separated relative path, sorted, skipping
    hidden and temporary files. os.walk, because pathlib costs 0.3 s per 5,000 files."""
    found = []
    for folder, dirs, names in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = os.path.relpath(folder, content_dir).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else rel_folder + "/"
        found += [prefix + n for n in names if n.endswith(".md") and not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    return sorted(found, key=lambda rel: rel.split("/"))
