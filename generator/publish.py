"""Publishing: static assets in, the finished ``public/`` folder out.

- ``collect_assets`` reads ``static/``; CSS and JS get a content hash in their name
  (``static/style.3f2a1c9e.css``) so hosts can cache them for a year.
- ``publish`` writes a build's files. Nothing is written when no byte changed. Otherwise
  the new tree is staged beside the output (unchanged files are hard-linked, so they
  keep their modification time and cost no copy), then swapped in with two renames:
  a failed build never leaves a half-written site behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BuildError
from .models import OutputFile

__all__ = ["collect_assets", "publish", "PublishReport", "fingerprint"]

FINGERPRINTED = {".css", ".js"}


@dataclass(frozen=True)
class PublishReport:
    written: int  # files whose bytes are new or changed
    removed: int  # files of the previous build that are gone
    total: int


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


def _safe_target(root: Path, rel: str) -> Path:
    """The path of ``rel`` inside ``root``; refuse anything that would land outside it."""
    parts = PurePosixPath(rel).parts
    if not rel or rel.startswith("/") or any(p in ("..", "") for p in parts) or "\\" in rel or "\x00" in rel:
        raise BuildError(f"output path {rel!r} is not a safe relative path")
    return root.joinpath(*parts)


def _existing_files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def publish(files: list[OutputFile], out_dir: Path) -> PublishReport:
    """Make ``out_dir`` hold exactly ``files``; touch nothing when it already does."""
    by_path: dict[str, bytes] = {}
    for f in files:
        _safe_target(out_dir, f.path)
        if f.path in by_path and by_path[f.path] != f.data:
            raise BuildError(f"two different pages want the same output file {f.path!r}")
        by_path[f.path] = f.data
    existing = _existing_files(out_dir)
    changed = {p for p, data in by_path.items() if p not in existing or not _unchanged(out_dir / p, data)}
    removed = existing - set(by_path)
    if not changed and not removed:
        return PublishReport(0, 0, len(by_path))
    _stage_and_swap(by_path, changed, out_dir)
    return PublishReport(len(changed), len(removed), len(by_path))


def _stage_and_swap(by_path: dict[str, bytes], changed: set[str], out_dir: Path) -> None:
    out_dir = out_dir.resolve()
    staging = out_dir.with_name(f".{out_dir.name}.staging")
    old = out_dir.with_name(f".{out_dir.name}.old")
    for leftover in (staging, old):
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        for rel in sorted(by_path):
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
