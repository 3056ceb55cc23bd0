"""The build's signature: one hash of every input, so a build with nothing to do does nothing.

It covers the config, the generator's own code, the libraries' versions, templates,
static files, feeds, the options and every content file (path and sha1). Which posts
are published *now* is not in it: the manifest keeps the build's publish window beside
it (``window.py``), so a build checks the clock against two instants rather than
reading every post's date.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import astuple
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from generator.incremental import cache as cachelib
from generator.incremental.digests import digest_parts, tree_digest
from generator.models import BuildOptions, SiteConfig

if TYPE_CHECKING:
    from generator.incremental.loading import ContentRow

__all__ = ["site_digests", "inputs_key", "build_signature", "content_signature", "cache_key"]

CODE_DIR = Path(__file__).resolve().parents[1]  # all of generator/, not this package



def code_digest() -> str:
    """The generator's own source: a new version of the code invalidates every cached page."""
    return digest_parts(
        f"{p.relative_to(CODE_DIR).as_posix()}:{hashlib.sha1(p.read_bytes()).hexdigest()}" for p in sorted(CODE_DIR.rglob("*.py"))
    )


LIBRARIES = {"cmarkgfm": "cmarkgfm", "markdown": "Markdown", "pygments": "Pygments", "jinja2": "Jinja2", "yaml": "PyYAML"}  # module -> distribution


@lru_cache(maxsize=1)  # a process keeps the libraries it imported; two callers a build
def library_versions() -> str:
    """The installed versions of the libraries the pages depend on, read from the names
    of their ``.dist-info`` folders (``importlib.metadata`` costs 20 ms of every build, a
    no-op one too); ``importlib.metadata`` only when a folder is not found."""
    from importlib.util import find_spec

    listings: dict[str, list[str]] = {}
    parts = []
    for module, dist in LIBRARIES.items():
        spec = find_spec(module)
        folder = os.path.dirname(os.path.dirname(spec.origin)) if spec and spec.origin else ""
        if folder and folder not in listings:
            listings[folder] = os.listdir(folder)
        prefix = dist.lower().replace("-", "_") + "-"
        found = [n[len(prefix) : -len(".dist-info")] for n in listings.get(folder, []) if n.lower().startswith(prefix) and n.endswith(".dist-info")]
        parts.append(f"{dist}={found[0] if len(found) == 1 else _metadata_version(dist)}")
    return " ".join(parts)


def _metadata_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "missing"


def site_digests(site: SiteConfig) -> tuple[str, str]:
    """Two hashes of everything but the content.

    The first covers config, code (markup.py holds RENDERER_VERSION), libraries,
    templates, static files and feeds: the build's signature. The second is what every
    page depends on: the same without static files and feeds, which pages see only
    through asset URLs and post sources (both in each page's own digest), so an image
    change re-renders no page.
    """
    pages = digest_parts([repr(astuple(site)), library_versions(), code_digest(), tree_digest(site.path("templates"))])
    everything = digest_parts([pages, tree_digest(site.path("static")), tree_digest(site.path("feeds"))])
    return everything, pages


def inputs_key(site_digest: str, options: BuildOptions) -> str:
    """Everything a build depends on but content and the clock: config, code, theme,
    feeds (``site_digests``) and the options that change output."""
    return digest_parts([site_digest, repr((options.drafts, options.future, options.noindex))])


def build_signature(site_digest: str, rows: Sequence[ContentRow], options: BuildOptions) -> str:
    """A hash of every input of a build but the clock: ``inputs_key`` and every content
    file's path and sha1 (the manifest's ``window`` says which clock readings it holds for)."""
    return content_signature(inputs_key(site_digest, options), ((row.rel, row.sha) for row in rows))


def content_signature(inputs: str, files: Iterable[tuple[str, str]]) -> str:
    """``build_signature`` from ``inputs_key`` and (path, sha1) pairs in scan order: the
    quick path makes it of the files as the last build saw them."""
    return digest_parts([inputs, *(f"{rel}\0{sha}" for rel, sha in files)])


def cache_key(site: SiteConfig) -> str:
    """What cached front matter and HTML depend on besides the file itself (``BuildCache.require_key``)."""
    from generator.site.markup import RENDERER_VERSION

    return digest_parts([str(cachelib.CACHE_FORMAT), RENDERER_VERSION, library_versions(), site.timezone])
