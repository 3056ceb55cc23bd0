"""The output manifest: what the last build into one output folder wrote, and from what.

One JSON file per output folder and set of options, ``.cache/build/out-<hash>.json``
(see ``cache.py`` for the folder): ``signature`` (a hash of every input of the last
build), ``pages`` (output path -> digest of what its template saw), ``read_in_full``
(page -> the articles it read in full), ``listings`` (every post shown, in order, with
its keys, slug and reading group), ``globals_key``, ``inputs``, ``in_feeds``, ``folded``,
``crossposts`` and ``tag_names`` (what the quick path, ``quick.py``, checks and uses),
``window`` (the clock readings that publish the same posts: ``window.py``), and
``files`` (output path -> sha1, size, mtime).

A file that does not load, or is not in the expected shape, is one warning and an empty
manifest: a bad manifest costs time, never correctness.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from generator.files import atomic_write
from generator.incremental.window import CLOSED, PublishWindow

__all__ = ["MANIFEST_FORMAT", "ListingRow", "PageRecord", "OutputManifest"]

log = logging.getLogger(__name__)

MANIFEST_FORMAT = 4  # 4: the publish window, tag names, each listed post's reading group


class ListingRow(NamedTuple):
    """One post as the listings showed it (``PageMemo.listings``); a JSON list in the manifest."""

    path: str  # its article, relative to content/
    listing_key: str  # digest of what a listing shows of it ("" when unknown)
    full_key: str  # digest of everything a page reading it in full sees ("" when unknown)
    slug: str
    group: str = ""  # its ``source`` ("" for the site's own): previous/next links stay in a group


@dataclass
class PageRecord:
    """What a build learnt about the pages it made or kept, for the next build to check."""

    digests: dict[str, str] = dataclasses.field(default_factory=dict)  # output path -> digest of what made it
    read_in_full: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # page -> article paths it read in full
    listings: list[ListingRow] = dataclasses.field(default_factory=list)  # every post shown, in order
    globals_key: str = ""  # what every page depended on besides its context
    in_feeds: list[str] = dataclasses.field(default_factory=list)  # articles some feed shows in full
    folded: list[str] = dataclasses.field(default_factory=list)  # published articles shown as a copy on another's page
    crossposts: list[str] = dataclasses.field(default_factory=list)  # articles whose body can change what is merged
    tag_names: dict[str, str] = dataclasses.field(default_factory=dict)  # tag slug -> how the site spells it (assemble.tag_names)
    window: PublishWindow = CLOSED  # the clock readings that publish the same posts


@dataclass
class OutputManifest:
    """What the last build into one output folder wrote (see the module docstring)."""

    path: Path
    signature: str = ""
    pages: dict[str, str] = dataclasses.field(default_factory=dict)
    files: dict[str, list[Any]] = dataclasses.field(default_factory=dict)  # path -> [sha1, size, mtime_ns]
    read_in_full: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # page -> article paths it read in full
    listings: list[ListingRow] = dataclasses.field(default_factory=list)  # every post shown, in order
    globals_key: str = ""  # what every page depended on besides its context (PageMemo.globals_key)
    inputs: str = ""  # a hash of config, code, theme, feeds and options (not content): see quick.py
    in_feeds: list[str] = dataclasses.field(default_factory=list)  # articles some feed shows in full
    folded: list[str] = dataclasses.field(default_factory=list)  # published articles shown on another's page (crosspost.py)
    crossposts: list[str] = dataclasses.field(default_factory=list)  # articles whose body can change what is merged
    tag_names: dict[str, str] = dataclasses.field(default_factory=dict)  # tag slug -> how the site spells it
    window: PublishWindow = CLOSED  # the clock readings that publish the same posts (window.py)
    refreshed: bool = dataclasses.field(default=False, compare=False)  # a file's mtime was updated after its bytes were checked

    def intact(self, out_dir: Path, rel: str) -> bool:
        """The file is on disk exactly as the last build left it: same size and mtime, or,
        when only its mtime moved, the same bytes (sha1).

        Copies move mtimes: a project copied elsewhere, or an output folder restored from
        a deploy cache (Netlify's keeps them only to the millisecond). The bytes decide
        then, once: the new mtime is remembered (``refreshed``) for the next build.
        """
        known = self.files.get(rel)
        return known is not None and self._as_left(os.path.join(out_dir, rel), known)

    def all_intact(self, out_dir: Path) -> bool:
        """Every file the last build wrote is ``intact``: one ``stat`` each (27,000 in a
        no-op build at 20,000 posts), its path one string concatenation."""
        if not self.files:
            return False
        prefix, stat = os.path.join(out_dir, ""), os.stat
        for rel, known in self.files.items():
            try:
                st = stat(prefix + rel)
            except OSError:
                return False
            if (st.st_mtime_ns != known[2] or st.st_size != known[1]) and not self._as_left(prefix + rel, known):
                return False  # (the common case, size and mtime as recorded, without a call)
        return True

    def _as_left(self, path: str, known: list[Any]) -> bool:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != known[1]:
            return False
        if st.st_mtime_ns == known[2]:
            return True
        if not _holds(path, known[0]):
            return False
        known[2] = st.st_mtime_ns  # the row publish copies for a kept file, and saves
        self.refreshed = True
        return True

    def pages_as_recorded(self) -> PageRecord:
        """What the last build learnt about its pages (a copy: the quick path updates it)."""
        return PageRecord(
            dict(self.pages), dict(self.read_in_full), list(self.listings), self.globals_key, self.in_feeds, self.folded, self.crossposts, self.tag_names, self.window,
        )

    def record(self, files: dict[str, list[Any]], pages: PageRecord | None, signature: str | None, inputs: str) -> None:
        """Remember this build (every build, quick or not, ends here): what it wrote,
        from what, and its signature; then save."""
        pages = pages or PageRecord()
        self.files = dict(files)
        self.pages = {p: d for p, d in pages.digests.items() if p in self.files}
        self.read_in_full = {p: r for p, r in pages.read_in_full.items() if p in self.pages and r}
        self.listings, self.globals_key = pages.listings, pages.globals_key
        self.in_feeds, self.folded, self.crossposts = pages.in_feeds, pages.folded, pages.crossposts
        self.tag_names, self.window = pages.tag_names, pages.window
        self.inputs = inputs
        self.signature = signature or ""
        self.save()

    def save(self) -> None:
        data = {
            "format": MANIFEST_FORMAT,
            "signature": self.signature,
            "pages": self.pages,
            "files": self.files,
            "read_in_full": self.read_in_full,
            "listings": [list(row) for row in self.listings],
            "globals_key": self.globals_key,
            "inputs": self.inputs,
            "in_feeds": self.in_feeds,
            "folded": self.folded,
            "crossposts": self.crossposts,
            "tag_names": self.tag_names,
            "window": self.window.to_json(),
        }
        atomic_write(self.path, orjson.dumps(data))

    @classmethod
    def load(cls, path: Path) -> "OutputManifest":
        empty = cls(path)
        if not path.exists():
            return empty
        try:
            data = orjson.loads(path.read_bytes())
            if isinstance(data, dict) and data.get("format") not in (MANIFEST_FORMAT, None):
                return empty  # made by another version of this module: start afresh, quietly
            ok = (
                data.get("format") == MANIFEST_FORMAT
                and isinstance(data.get("signature"), str)
                and isinstance(data.get("read_in_full"), dict)
                and all(isinstance(v, list) and all(isinstance(p, str) for p in v) for v in data["read_in_full"].values())
                and isinstance(data.get("listings"), list)
                and all(isinstance(r, list) and len(r) == 5 and all(isinstance(x, str) for x in r) for r in data["listings"])
                and isinstance(data.get("globals_key"), str)
                and isinstance(data.get("inputs"), str)
                and isinstance(data.get("in_feeds"), list)
                and all(isinstance(p, str) for p in data["in_feeds"])
                and all(isinstance(data.get(k), list) and all(isinstance(p, str) for p in data[k]) for k in ("folded", "crossposts"))
                and isinstance(data.get("tag_names"), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in data["tag_names"].items())
                and PublishWindow.from_json(data.get("window")) is not None
                and isinstance(data.get("pages"), dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in data["pages"].items())
                and isinstance(data.get("files"), dict)
                and all(_valid_file_row(v) for v in data["files"].values())
            )
        except (ValueError, OSError, AttributeError) as exc:  # orjson.JSONDecodeError is a ValueError
            log.warning("build cache %s is unreadable (%s); rebuilding it", path.name, exc)
            return empty
        if not ok:
            log.warning("build cache %s is not in the expected shape; rebuilding it", path.name)
            return empty
        return cls(
            path, data["signature"], data["pages"], data["files"], data["read_in_full"], [ListingRow(*row) for row in data["listings"]], data["globals_key"], data["inputs"], data["in_feeds"],
            data["folded"], data["crossposts"], data["tag_names"], PublishWindow.from_json(data["window"]) or CLOSED,
        )


def _holds(path: str, sha: str) -> bool:
    """The file's bytes have this sha1."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha1").hexdigest() == sha
    except OSError:
        return False


def _valid_file_row(row: Any) -> bool:
    return type(row) is list and len(row) == 3 and type(row[0]) is str and len(row[0]) == 40 and type(row[1]) is int and type(row[2]) is int
