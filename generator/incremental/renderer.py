"""The renderer a build makes pages with, and the key of what it puts on every page.

Both the normal build and the quick path make pages, so both take them from here:
the same static files (fingerprinted), the same template renderer, and the same
``globals_key`` (``PageMemo.globals_key``): everything each page depends on besides its
context, i.e. templates, config, code and libraries (``page_digest``) and the URLs of
the static files pages link to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.incremental.digests import digest_parts
from generator.models import OutputFile, SiteConfig

if TYPE_CHECKING:
    from generator.site.render import Renderer

__all__ = ["PageRenderer", "make_renderer"]

CODE_STYLES = ("xcode", "github-dark")  # Pygments styles for light and dark schemes: AA contrast in both


@dataclass(frozen=True)
class PageRenderer:
    renderer: Renderer
    assets: list[OutputFile]  # the static files, at their fingerprinted paths
    globals_key: str  # what every page depends on besides its context


def make_renderer(site: SiteConfig, page_digest: str, bytecode_dir: Path | None) -> PageRenderer:
    """The site's renderer, its static files and their key (``bytecode_dir``: where Jinja2
    keeps compiled templates, with the build cache)."""
    from generator.site.assemble import Post
    from generator.site.markup import pygments_css
    from generator.site.publish import collect_assets
    from generator.site.render import Renderer

    files, urls = collect_assets(site.path("static"), {"highlight.css": pygments_css(*CODE_STYLES).encode()})
    renderer = Renderer(site, site.path("templates"), urls, bytecode_dir=bytecode_dir, watch=(Post, Post.DEEP))
    return PageRenderer(renderer, files, digest_parts([page_digest, repr(sorted(urls.items()))]))
