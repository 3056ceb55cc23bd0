"""The theme's test site (tests/browser/site/), built into a temporary folder.

Shared by the browser tests and the output checks of test_theme.py: an authored post
and an imported article from each platform (Forem, Ghost, Gridsome, a generic blog),
with code, tables, figures, embeds and footnotes, written for these tests.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from conftest import REPO, install_theme

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

SITE_DIR = REPO / "tests" / "browser" / "site"
NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
AUTHORED = "/posts/a-field-guide-to-readable-pipelines/"
ARTICLES = {
    "authored": AUTHORED,
    "forem": "/posts/retry-loops-that-know-when-to-give-up/",
    "ghost": "/posts/notes-on-caching-layers/",
    "gridsome": "/posts/drawing-with-the-canvas-one-frame-at-a-time/",
    "generic": "/posts/a-plain-blog-post-about-very-long-words-and-addresses/",
}


DRAFT = "/posts/a-draft-about-drafts/"  # shown only by builds with drafts


def build_theme_site(dest: Path, drafts: bool = False) -> Path:
    """Copy the test site and the project's theme into ``dest``, build it (with drafts,
    as ``serve`` does, when asked), return ``public/``."""
    root = dest / "theme-site"
    shutil.copytree(SITE_DIR, root, ignore=shutil.ignore_patterns("images"))
    install_theme(root)
    shutil.copytree(SITE_DIR / "images", root / "static" / "img")
    build_site(load_site_config(root), BuildOptions(now=NOW, drafts=drafts))
    return root / "public"
