"""Golden-file test: each site under tests/sites/<name>/ builds exactly its expected/ tree.

Refresh after an intended change to templates, CSS or rendering:

    UPDATE_GOLDEN=1 python -m pytest tests/test_site_golden.py

then review the diff of tests/sites/*/expected/ before committing it.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO, install_theme, read_tree

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

SITES = sorted(p for p in (REPO / "tests" / "sites").iterdir() if (p / "content").is_dir())
NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("site_dir", SITES, ids=[p.name for p in SITES])
def test_site_matches_expected_output(site_dir: Path, tmp_path: Path):
    root = tmp_path / site_dir.name
    shutil.copytree(site_dir, root, ignore=shutil.ignore_patterns("expected"))
    install_theme(root)
    build_site(load_site_config(root), BuildOptions(now=NOW))
    built = read_tree(root / "public")
    expected_dir = site_dir / "expected"
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(root / "public", expected_dir)
    expected = read_tree(expected_dir)
    assert sorted(built) == sorted(expected), "files differ; refresh with UPDATE_GOLDEN=1 if intended"
    changed = [name for name in built if built[name] != expected[name]]
    assert not changed, f"content differs in {changed}; refresh with UPDATE_GOLDEN=1 if intended"
