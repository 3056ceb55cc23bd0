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
- Pages rendered by worker processes are written by the workers straight into the
  staging folder (:class:`Staging`, beside the output) and reach ``publish`` as a
  :class:`StagedFile` (path and sha1, no bytes): the build never holds every page in
  memory. Whatever is left in the staging folder when the build ends is removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping, Sequence

from generator.errors import BuildError
from generator.files import atomic_write
from generator.models import OutputFile, PublishReport
from generator.site.outdir import MARKER, OutputDirError, marker_file, owned_by_build

__all__ = ["collect_assets", "publish", "replace_files", "PublishReport", "fingerprint", "KeptFile", "StagedFile", "Staging", "write_staged"]

FINGERPRINTED = {".css", ".js"}
# Static files also published at the site's root, where browsers, feed readers and
# crawlers ask for them without reading a page (a missing /favicon.ico is a 404 per page).
ROOT_FILES = ("favicon.ico",)
# A change to at most this many files, or to at most this share of the site, is written
# in place (each file atomically); a larger one is staged and swapped in whole. Staging
# hard-links every unchanged file, so it costs as much as the site is big: a new post on
# a 20,000-post site changes the ~3,000 pages that list it, which is cheaper to write than
# 27,000 links to make (16 s once, on a busy machine).
IN_PLACE_LIMIT = 500
IN_PLACE_SHARE = 0.5


@dataclass(frozen=True)
class KeptFile:
    """An output the build cache vouches for: on disk, unchanged, so not rendered again."""

    path: str
    sha: str


@dataclass(frozen=True)
class StagedFile:
    """An output a worker already wrote into the staging folder (its bytes stay on disk)."""

    path: str
    sha: str


class Staging:
    """The staging folder beside ``out_dir`` (``.public.staging``), for one build.

    Made empty on entry (a crashed build may have left one) and removed on exit, so a
    failed build leaves nothing behind; a successful ``publish`` renames it into place.
    """

    def __init__(self, out_dir: Path):
        out_dir = out_dir.resolve()
        self.path = out_dir.with_name(f".{out_dir.name}.staging")

    def __enter__(self) -> "Staging":
        _make_own_folder(self.path)
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _remove_own_folder(folder: Path) -> None:
    """Remove a staging or ``.old`` folder a build left; refuse one the build did not make."""
    if not owned_by_build(folder):
        raise OutputDirError(f"{folder}: refused, a folder of this name (where the build stages its output) holds files the build did not make; move it away")
    shutil.rmtree(folder, ignore_errors=True)


def _make_own_folder(folder: Path) -> None:
    """A fresh, empty folder marked as the build's (so a crash's leftover is known as ours)."""
    _remove_own_folder(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_bytes(marker_file().data)


def write_staged(staging: Path, rel: str, data: bytes) -> StagedFile:
    """Write one output into the staging folder (private to this build: no need for atomicity)."""
    target = _safe_target(staging, rel)
    # The folder first: nearly every page has a folder of its own, new in a fresh staging
    # folder, so trying the file first failed (and raised) once a page.
    try:
        os.mkdir(target.parent)
    except FileExistsError:
        pass
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as fh:
        fh.write(data)
    return StagedFile(rel, hashlib.sha1(data).hexdigest())


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
        if name in ROOT_FILES:
            files.append(OutputFile(name, data))
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


def _staging_folder(staging: Path | None) -> Path:
    """The staging folder, which every staged file implies (``_sort_files`` refuses one without it)."""
    if staging is None:
        raise BuildError("internal: a staged file without a staging folder")
    return staging


def _existing_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _same_bytes(path: Path, sha: str, size: int) -> bool:
    """The file at ``path`` holds exactly the bytes with this sha1 and size."""
    try:
        if os.stat(path).st_size != size:
            return False
        return hashlib.sha1(path.read_bytes()).hexdigest() == sha
    except OSError:
        return False


def _sort_files(
    files: Sequence[OutputFile | KeptFile | StagedFile], known: Mapping[str, list[Any]] | None, staging: Path | None
) -> tuple[dict[str, bytes], dict[str, str], dict[str, str]]:
    """Bytes in memory, files already staged, and kept files, by path; refuse clashes."""
    by_path: dict[str, bytes] = {}
    staged: dict[str, str] = {}
    kept: dict[str, str] = {}
    for f in files:
        _check_rel(f.path)  # strings only: a Path per file costs 0.2 s for 6,000 files
        if isinstance(f, KeptFile):
            if known is None or f.path not in known:
                raise BuildError(f"internal: {f.path!r} was kept without a manifest entry")
            kept[f.path] = f.sha
            continue
        if isinstance(f, StagedFile):
            if staging is None:
                raise BuildError(f"internal: {f.path!r} was staged without a staging folder")
            clash = f.path in by_path or staged.get(f.path, f.sha) != f.sha
            staged[f.path] = f.sha
        else:
            clash = f.path in staged or (f.path in by_path and by_path[f.path] != f.data)
            by_path[f.path] = f.data
        if clash:
            raise BuildError(f"two different pages want the same output file {f.path!r}")
    return by_path, staged, kept


def publish(
    files: Sequence[OutputFile | KeptFile | StagedFile],
    out_dir: Path,
    known: Mapping[str, list[Any]] | None = None,
    staging: Path | None = None,
) -> PublishReport:
    """Make ``out_dir`` hold exactly ``files``; touch nothing when it already does.

    ``staging`` is the folder (see :class:`Staging`) that holds the :class:`StagedFile` s.
    """
    if not any(f.path == MARKER for f in files):  # every output folder is marked as the build's
        files = [*files, marker_file()]
    by_path, staged, kept = _sort_files(files, known, staging)
    hashes = {p: hashlib.sha1(data).hexdigest() for p, data in by_path.items()}
    hashes.update(staged)

    def size(p: str) -> int:
        return len(by_path[p]) if p in by_path else os.stat(os.path.join(_staging_folder(staging), p)).st_size

    if known is None:
        existing = _existing_files(out_dir)
        changed = {p for p in hashes if p not in existing or not _same_bytes(out_dir / p, hashes[p], size(p))}
    else:
        existing = set(known)
        changed = {p for p in hashes if not _known_unchanged(out_dir, p, hashes[p], known, size)}
    removed = existing - set(hashes) - set(kept)
    manifest = {p: list(known[p]) for p in kept} if known is not None else {}
    if changed or removed:
        if known is not None and _few(len(changed) + len(removed), len(hashes) + len(kept)):
            _replace_in_place(by_path, staging, changed, removed, out_dir)
        else:
            _stage_and_swap(by_path, staged, set(kept), changed, out_dir, staging)
    for p in hashes:
        row = known.get(p) if known is not None and p not in changed else None
        if row is None or row[0] != hashes[p]:
            st = os.stat(out_dir / p)
            row = [hashes[p], st.st_size, st.st_mtime_ns]
        manifest[p] = list(row)
    return PublishReport(len(changed), len(removed), len(hashes) + len(kept), manifest)


def _few(changes: int, files: int) -> bool:
    """Whether ``changes`` to a site of ``files`` files are written in place (see IN_PLACE_LIMIT)."""
    return changes <= max(IN_PLACE_LIMIT, files * IN_PLACE_SHARE)


def replace_files(files: Sequence[OutputFile], gone: set[str], out_dir: Path, known: Mapping[str, list[Any]]) -> PublishReport:
    """A few outputs of a complete published tree made again (``incremental/quick.py``): write those
    whose bytes changed, each atomically, delete ``gone``; every other file stays as the
    last build (``known``) left it."""
    manifest = {p: list(row) for p, row in known.items() if p not in gone}
    written = 0
    sizes = {f.path: len(f.data) for f in files}
    for f in files:
        sha = hashlib.sha1(f.data).hexdigest()
        if not _known_unchanged(out_dir, f.path, sha, known, sizes.__getitem__):
            atomic_write(_safe_target(out_dir, f.path), f.data)
            written += 1
        st = os.stat(out_dir / f.path)
        manifest[f.path] = [sha, st.st_size, st.st_mtime_ns]
    _replace_in_place({}, None, set(), gone - {f.path for f in files}, out_dir)
    return PublishReport(written, len(gone - {f.path for f in files}), len(manifest), manifest)


def _known_unchanged(out_dir: Path, rel: str, sha: str, known: Mapping[str, list[Any]], size: Callable[[str], int]) -> bool:
    row = known.get(rel)
    if row is not None:
        try:
            st = os.stat(out_dir / rel)
        except OSError:
            return False
        if st.st_size == row[1] and st.st_mtime_ns == row[2]:
            return bool(row[0] == sha)
    return _same_bytes(out_dir / rel, sha, size(rel))  # unknown, or touched since: compare the bytes


def _replace_in_place(by_path: dict[str, bytes], staging: Path | None, changed: set[str], removed: set[str], out_dir: Path) -> None:
    """Few changes: write (or move from staging) each changed file atomically, delete the gone ones."""
    for rel in sorted(changed):
        target = _safe_target(out_dir, rel)
        if rel in by_path:
            atomic_write(target, by_path[rel])
        else:  # staged: a rename within one file system is atomic
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(_safe_target(_staging_folder(staging), rel), target)
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


def _stage_and_swap(by_path: dict[str, bytes], staged: dict[str, str], kept: set[str], changed: set[str], out_dir: Path, staging: Path | None) -> None:
    """Many changes: complete the staging folder (unchanged files hard-linked, so they
    keep their modification time), then swap it in with two renames."""
    out_dir = out_dir.resolve()
    old = out_dir.with_name(f".{out_dir.name}.old")
    _remove_own_folder(old)
    if staging is None:
        staging = Staging(out_dir).path
        _make_own_folder(staging)
    staging.mkdir(parents=True, exist_ok=True)
    try:
        for rel in sorted(set(by_path) | set(staged) | kept):
            target = _safe_target(staging, rel)
            if rel in changed:
                if rel in by_path:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(by_path[rel])
                continue  # a changed staged file is in place already
            if rel in staged or rel == MARKER:
                target.unlink(missing_ok=True)  # same bytes as the old file: keep the old one (and its mtime)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
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
