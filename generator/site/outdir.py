"""The output folder guard: a build replaces only a folder that is its own output.

A build makes its output folder hold exactly the site, so pointed at the wrong folder
it would delete what is there. ``check_output_dir`` refuses (``OutputDirError``, exit 2,
one line naming the folder and the reason), before anything is written:

- the project root, or a folder that contains it (``--out .``, ``--out ..``);
- a source folder (``content/``, ``templates/``, ``static/``, ``feeds/``, ``.git/``), a
  folder inside one, or a folder that contains one;
- an existing non-empty folder the build did not make: every build writes
  :data:`MARKER` into its output, and a folder without it is adopted only when it is
  recognisably an earlier build's output (:data:`BUILD_SIGNS`, made before the marker).

``owned_by_build`` answers the same question for the staging and ``.old`` folders a
build keeps beside its output, so a leftover is removed only when a build made it.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.errors import ConfigError
from generator.models import OutputFile, SiteConfig

__all__ = ["MARKER", "OutputDirError", "check_output_dir", "marker_file", "owned_by_build"]

MARKER = ".generated-site"
MARKER_TEXT = b"This folder is made by 'python build.py build' and replaced whole by every build: keep no files of your own in it.\n"
BUILD_SIGNS = ("index.html", "404.html", "sitemap.xml", "search-index.json")  # what every build writes
SOURCE_FOLDERS = ("content", "templates", "static", "feeds")  # SiteConfig's *_dir settings


class OutputDirError(ConfigError):
    """The output folder is one the build must not replace (exit 2)."""


def marker_file() -> OutputFile:
    """The marker every build writes into its output folder."""
    return OutputFile(MARKER, MARKER_TEXT)


def owned_by_build(folder: Path) -> bool:
    """The folder is missing, empty, or was made by a build (marker or a build's files)."""
    try:
        names = set(os.listdir(folder))
    except FileNotFoundError:
        return True
    except NotADirectoryError:
        return False
    return not names or MARKER in names or all(sign in names for sign in BUILD_SIGNS)


def _sources(site: SiteConfig) -> dict[str, Path]:
    folders = {f"{name}_dir ({getattr(site, f'{name}_dir')}/)": site.path(name) for name in SOURCE_FOLDERS}
    folders[".git/"] = (site.root / ".git").resolve()
    return folders


def _refusal(site: SiteConfig, out: Path) -> str | None:
    """Why ``out`` must not be the output folder, or None when it may."""
    root = site.root.resolve()
    if out == root or out in root.parents:
        return "it is the project folder or contains it"
    for label, source in _sources(site).items():
        if out == source or source in out.parents:
            return f"it is, or is inside, the source folder {label}"
        if out in source.parents:
            return f"it contains the source folder {label}"
    if out.exists() and not out.is_dir():
        return "it is a file, not a folder"
    if not owned_by_build(out):
        return f"it holds files the build did not make (no {MARKER} marker); choose an empty or new folder"
    return None


def check_output_dir(site: SiteConfig, out_dir: Path) -> None:
    """Raise ``OutputDirError`` when a build must not replace ``out_dir`` (see the module docstring)."""
    out = Path(out_dir).expanduser().resolve()
    reason = _refusal(site, out)
    if reason:
        raise OutputDirError(f"output folder {out}: refused, {reason}; nothing was written")
