"""Shared test fixtures: one-off sites built from a dict of files, a local feed server,
reading a built tree back, and paths to shared data."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

import pytest
from feedserver import FeedServer
from hypothesis import settings

from generator.incremental.cache import BuildCache
from generator.incremental.loading import read_content, scan_content
from generator.incremental.manifest import OutputManifest
from generator.models import Article, SiteConfig

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# As root, on a closed network: no sandbox, and no background calls home (they would be refused).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
WILD = SHARED / "wild"
FEED_FIXTURES = REPO / "tests" / "fixtures" / "feeds"

# No per-example time limit for property tests: hypothesis's default (200 ms) is a
# wall-clock bound that a busy machine fails (a 688 ms example of a 5 ms test was seen).
# Speed is measured in bench/, not asserted here.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its path from there (``/``-separated), sorted, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(root: Path, now: datetime) -> dict[str, bytes]:
    """The site built from nothing (no cache) into a sibling folder, as its files: what
    every incremental build must equal byte for byte."""
    from generator.config import load_site_config
    from generator.pipeline import BuildOptions, build_site

    out = root.parent / "clean"
    shutil.rmtree(out, ignore_errors=True)
    build_site(load_site_config(root), BuildOptions(now=now, out_dir=out, cache=False))
    return read_tree(out)


def install_theme(root: Path) -> None:
    """Give a test site the project's own templates and static files (unless it has its own)."""
    for name in ("templates", "static"):
        if not (root / name).exists():
            shutil.copytree(REPO / name, root / name)


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """``make_site({"content/posts/a.md": "...", "site.toml": "..."})`` -> the site's root folder."""

    def make(files: dict[str, str | bytes] | None = None, *, theme: bool = True, name: str = "site") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        write_files(root, files or {})
        if theme:
            install_theme(root)
        return root

    return make


def read_articles(content_dir: Path, timezone: str = "UTC") -> list[Article]:
    """Every article under ``content_dir``, read as the build reads ``content/`` (without
    its cache); a bad file raises ContentErrors naming it from the project folder."""
    site = SiteConfig(root=content_dir.parent, content_dir=content_dir.name, timezone=timezone)
    return read_content(site, None, scan_content(site, None)).articles


def saved_manifest(root: Path, out: Path | None = None) -> OutputManifest:
    """The output manifest the last build of the site at ``root`` into ``out`` (its
    ``public/`` by default) saved."""
    from generator.pipeline import _out_key

    return BuildCache.open(root / ".cache" / "build").manifest(_out_key(out or root / "public"))


def post(title: str, date: str = "2024-01-02", body: str = "Hello.\n", **front: str) -> str:
    """The text of a small article file."""
    extra = "".join(f"{k}: {v}\n" for k, v in front.items())
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 (tests/feedserver.py), closed after the test."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    return SEEDS


@pytest.fixture
def wild_dir() -> Path:
    if not WILD.is_dir():
        pytest.skip("../shared/wild is not present")
    return WILD


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module.

    Module scope, not session: Playwright's sync API keeps an event loop running while it
    is open, which would break later tests that call asyncio.run().
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
