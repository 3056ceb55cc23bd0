"""Hashes of a build's inputs: files, folders and lists of strings.

Every cache key, page digest and signature is made of these, so that they all mean
the same thing by "the same input".
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Sequence

__all__ = ["sha1", "tree_digest", "digest_parts", "shard_digest"]


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def tree_digest(folder: Path) -> str:
    """A hash of every file's path and bytes under ``folder`` (templates, static, feeds)."""
    h = hashlib.sha1()
    if folder.is_dir():
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(file.relative_to(folder).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def digest_parts(parts: Iterable[str]) -> str:
    """The sha1 of the parts, each followed by a NUL (joined first: one encode, one update)."""
    parts = parts if isinstance(parts, (list, tuple)) else list(parts)
    text = "\0".join(parts) + "\0" if parts else ""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def shard_digest(globals_key: str, number: int, total: int, post_keys: Sequence[str]) -> str:
    """What a search shard shows: shard ``number`` of a site of ``total`` posts, made of
    the posts with these (full) keys, by the same code and config."""
    return digest_parts([globals_key, "search", str(number), str(total), *post_keys])
