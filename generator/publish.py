"""Publishing: static assets in, the finished ``public/`` folder out.

- ``collect_assets`` reads ``static/``; CSS and JS get a content hash in their name
  (``static/style.3f2a1c9e.css``) so hosts can cache them for a year.
- ``publish`` writes a build's files. Nothing is written when no byte changed. Otherwise
  the new tree is staged beside the output (unchanged files are hard-linked, so they
  keep their modification time and cost no copy), then swapped in with two renames:
  a failed build never leaves a half-written site behind.
- With the last build's manifest (``known``: path -> sha1, size, mtime from the build
  cache) a file whose sha1 and on-disk size and mtime match is known unchanged without
  reading it back, and a :class:`KeptFile` (a page the cache says did not change) is
  not even rendered. A few changed files are then replaced one by one, each
  atomically, instead of staging a whole new tree (for 5,000 pages that costs more
  than the build). With ``known``, files in the output folder that no build wrote are
  left alone; ``build --clean`` removes them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Mapping, Sequence

from .errors import BuildError
from .files import atomic_write
from .models import OutputFile

__all__ = ["collect_assets", "publish", "PublishReport", "fingerprint", "KeptFile"]

FINGERPRINTED = {".css", ".js"}
IN_PLACE_LIMIT = 500  # up to this many changed files are replaced in place rather than staged


@dataclass(frozen=True)
class KeptFile:
    """An output the build cache vouches for: on disk, unchanged, so not rendered again."""

    path: str
    sha: str


@dataclass(frozen=True)
class PublishReport:
    written: int  # files whose bytes are new or changed
    removed: int  # files of the previous build that are gone
    total: int
    manifest: dict[str, list] = field(default_factory=dict, compare=False, repr=False)  # path -> [sha1, size, mtime_ns]


def fingerprint(name: str, data: bytes) -> str:
    """``css/style.css`` -> ``css/style.<8 hex>.css``."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:8]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def collect_assets(static_dir: Path, generated: dict[str, bytes] | None = None) -> tuple[list[OutputFile], dict[str, str]]:
    """Every file of ``static/`` (plus generated ones) as output files, and the name -> URL path map."""
    sources: dict[str, bytes] = dict(generated or {})
    if static_dir.is_dir():
        for file in sorted(static_dir.rglob("*")):
            rel = file.relative_to(static_dir)
            if file.is_file() and not any(part.startswith(".") for part in rel.parts):
                sources[rel.as_posix()] = file.read_bytes()
    files, urls = [], {}
    for name in sorted(sources):
        data = sources[name]
        out_name = fingerprint(name, data) if PurePosixPath(name).suffix in FINGERPRINTED else name
        files.append(OutputFile(f"static/{out_name}", data))
        urls[name] = f"static/{out_name}"
    return files, urls


def _check_rel(rel: str) -> list[str]:
    """The parts of ``rel``; refuse anything that would land outside the output folder."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("..", "", ".") for p in parts) or "\\" in rel or "\x00" in rel:
        raise BuildError(f"output path {rel!r} is not a safe relative path")
    return parts


def _safe_target(root: Path, rel: str) -> Path:
    """The path of ``rel`` inside ``root``; refuse anything that would land outside it."""
    return root.joinpath(*_check_rel(rel))


def _existing_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def publish(files: Sequence[OutputFile | KeptFile], out_dir: Path, known: Mapping[str, list] | None = None) -> PublishReport:
    """Make ``out_dir`` hold exactly ``files``; touch nothing when it already does."""
    by_path: dict[str, bytes] = {}
    kept: dict[str, str] = {}
    for f in files:
        _check_rel(f.path)  # strings only: a Path per file costs 0.2 s for 6,000 files
        if isinstance(f, KeptFile):
            if known is None or f.path not in known:
                raise BuildError(f"internal: {f.path!r} was kept without a manifest entry")
            kept[f.path] = f.sha
            continue
        if f.path in by_path and by_path[f.path] != f.data:
            raise BuildError(f"two different pages want the same output file {f.path!r}")
        by_path[f.path] = f.data
    hashes = {p: hashlib.sha1(data).hexdigest() for p, data in by_path.items()}
    if known is None:
        existing = _existing_files(out_dir)
        changed = {p for p, data in by_path.items() if p not in existing or not _unchanged(out_dir / p, data)}
    else:
        existing = set(known)
        changed = {p for p, data in by_path.items() if not _known_unchanged(out_dir, p, hashes[p], known, data)}
    removed = existing - set(by_path) - set(kept)
    manifest = {p: list(known[p]) for p in kept} if known is not None else {}
    if changed or removed:
        if known is not None and len(changed) + len(removed) <= IN_PLACE_LIMIT:
            _replace_in_place(by_path, changed, removed, out_dir)
        else:
            _stage_and_swap(by_path, set(kept), changed, out_dir)
    for p in by_path:
        row = known.get(p) if known is not None and p not in changed else None
        if row is None or row[0] != hashes[p]:
            st = os.stat(out_dir / p)
            row = [hashes[p], st.st_size, st.st_mtime_ns]
        manifest[p] = list(row)
    return PublishReport(len(changed), len(removed), len(by_path) + len(kept), manifest)


def _known_unchanged(out_dir: Path, rel: str, sha: str, known: Mapping[str, list], data: bytes) -> bool:
    row = known.get(rel)
    if row is None:
        return _unchanged(out_dir / rel, data)
    try:
        st = os.stat(out_dir / rel)
    except OSError:
        return False
    if st.st_size == row[1] and st.st_mtime_ns == row[2]:
        return row[0] == sha
    return _unchanged(out_dir / rel, data)  # touched since: compare the bytes themselves


def _replace_in_place(by_path: dict[str, bytes], changed: set[str], removed: set[str], out_dir: Path) -> None:
    """Few changes: write each changed file atomically, delete the gone ones."""
    for rel in sorted(changed):
        atomic_write(_safe_target(out_dir, rel), by_path[rel])
    for rel in sorted(removed):
        target = _safe_target(out_dir, rel)
        target.unlink(missing_ok=True)
        _prune_empty_parents(target.parent, out_dir)


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _stage_and_swap(by_path: dict[str, bytes], kept: set[str], changed: set[str], out_dir: Path) -> None:
    out_dir = out_dir.resolve()
    staging = out_dir.with_name(f".{out_dir.name}.staging")
    old = out_dir.with_name(f".{out_dir.name}.old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        for rel in sorted(set(by_path) | kept):
            target = _safe_target(staging, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in changed:
                target.write_bytes(by_path[rel])
            else:
                _link_or_copy(out_dir / rel, target)
        if out_dir.exists():
            os.rename(out_dir, old)
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
