"""The Netlify build plugin that keeps the build cache between deploys
(``netlify/plugins/build-cache``), run under node with a stand-in for Netlify's
``utils.cache`` (``tests/netlify_cache_harness.js``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import REPO, post, read_tree

from generator.incremental.cachedb import DB_NAME

NODE = shutil.which("node")
PLUGIN = REPO / "netlify" / "plugins" / "build-cache"
HARNESS = REPO / "tests" / "netlify_cache_harness.js"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_plugin(event: str, site: Path, cache: Path, publish: str = "public", fault: str = "", context: str = "production") -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTEXT": context}  # Netlify sets CONTEXT for every build
    return subprocess.run(
        [NODE, str(HARNESS), str(PLUGIN), str(site), str(cache), event, publish, fault], capture_output=True, text=True, timeout=60, env=env
    )



SOURCES = {"site.toml": 'title = "Kept"\nbase_url = "https://kept.example/"\n', "content/posts/a.md": post("First", "2024-01-02")}


def built_site(make_site) -> Path:
    root = make_site(SOURCES)
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "-q", "--root", str(root), "build"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return root


def fresh_checkout(make_site) -> Path:
    """Where Netlify builds: the sources, without .cache/ or public/ (both ignored by git)."""
    return make_site(SOURCES, name="clone")


def test_netlify_toml_names_the_local_plugin_and_the_folder_is_one():
    plugins = tomllib.loads((REPO / "netlify.toml").read_text())["plugins"]
    assert [p["package"] for p in plugins] == ["./netlify/plugins/build-cache"]
    folder = REPO / plugins[0]["package"]
    assert folder.resolve() == PLUGIN.resolve()
    assert yaml.safe_load((folder / "manifest.yml").read_text())["name"] == "build-cache"
    # A local plugin without a package.json is loaded as CommonJS from index.js.
    assert not (folder / "package.json").exists()
    handlers = subprocess.run([NODE, "-p", f"Object.keys(require({str(folder / 'index.js')!r})).join(' ')"], capture_output=True, text=True, check=True)
    assert handlers.stdout.split() == ["onPreBuild", "onPostBuild"]


def test_saves_the_build_cache_with_the_url_memory_and_the_published_site(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    result = run_plugin("onPostBuild", site, cache)
    assert result.returncode == 0, result.stderr
    assert "saved .cache/build, public" in result.stdout
    assert read_tree(cache / ".cache" / "build") == read_tree(site / ".cache" / "build")
    assert read_tree(cache / "public") == read_tree(site / "public")
    saved = {p.name for p in (cache / ".cache" / "build").iterdir()}
    assert {"urls.json", DB_NAME, "pack.bin"} <= saved
    assert (cache / "public" / "posts" / "first" / "index.html").is_file()


def test_restores_both_folders_into_a_fresh_checkout(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    assert run_plugin("onPostBuild", site, cache).returncode == 0
    clone = fresh_checkout(make_site)
    result = run_plugin("onPreBuild", clone, cache)
    assert result.returncode == 0, result.stderr
    assert "restored .cache/build, public" in result.stdout
    assert read_tree(clone / ".cache" / "build") == read_tree(site / ".cache" / "build")
    assert read_tree(clone / "public") == read_tree(site / "public")


def test_nothing_cached_yet_restores_nothing_and_does_not_fail(make_site, tmp_path: Path):
    clone = fresh_checkout(make_site)
    result = run_plugin("onPreBuild", clone, tmp_path / "empty-cache")
    assert result.returncode == 0, result.stderr
    assert "nothing cached yet" in result.stdout
    assert not (clone / ".cache").exists() and not (clone / "public").exists()


def test_a_folder_already_there_is_never_replaced(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    assert run_plugin("onPostBuild", site, cache).returncode == 0
    clone = fresh_checkout(make_site)
    (clone / "public").mkdir()
    (clone / "public" / "mine.html").write_text("a developer's own local build")
    result = run_plugin("onPreBuild", clone, cache)
    assert result.returncode == 0, result.stderr
    assert "already here" in result.stdout
    assert read_tree(clone / "public") == {"mine.html": b"a developer's own local build"}
    assert not (clone / ".cache").exists()  # restored with its folder or not at all


def test_a_restore_that_fails_midway_leaves_nothing_half_restored(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    assert run_plugin("onPostBuild", site, cache).returncode == 0
    clone = fresh_checkout(make_site)
    result = run_plugin("onPreBuild", clone, cache, fault="restore-fails-midway")
    assert result.returncode == 0, result.stderr  # the deploy goes on
    assert "could not restore the cache (stand-in cache: archive cut short)" in result.stdout
    assert not (clone / ".cache" / "build").exists() and not (clone / "public").exists()
    assert read_tree(clone / "content") == {"posts/a.md": post("First", "2024-01-02").encode()}


def test_a_save_that_fails_does_not_fail_the_deploy_nor_leave_half_a_pair(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    assert run_plugin("onPostBuild", site, cache).returncode == 0
    (site / "content/posts/b.md").write_text(post("Second", "2024-01-03"))
    assert subprocess.run([sys.executable, str(REPO / "build.py"), "-q", "--root", str(site), "build"], capture_output=True).returncode == 0
    result = run_plugin("onPostBuild", site, cache, fault="save-fails-midway")  # .cache/build saved, then public/ fails
    assert result.returncode == 0, result.stderr
    assert "could not save the cache (stand-in cache: no space left on device)" in result.stdout
    # Never this build's manifest beside the last build's pages: neither is kept.
    assert not (cache / ".cache" / "build").exists() and not (cache / "public").exists()
    assert (site / "public" / "index.html").is_file() and (site / ".cache" / "build").is_dir()  # the site's own are untouched


def test_a_publish_folder_outside_the_project_is_not_cached(make_site, tmp_path: Path):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    outside = os.path.relpath(tmp_path / "elsewhere", site)
    result = run_plugin("onPostBuild", site, cache, publish=outside)
    assert result.returncode == 0, result.stderr
    assert "saved .cache/build for the next deploy" in result.stdout
    assert sorted(p.name for p in cache.iterdir()) == [".cache"]


@pytest.mark.parametrize("context", ["deploy-preview", "branch-deploy"])
def test_previews_restore_production_s_cache_but_never_save_their_own(make_site, tmp_path: Path, context: str):
    site, cache = built_site(make_site), tmp_path / "netlify-cache"
    assert run_plugin("onPostBuild", site, cache).returncode == 0
    saved = read_tree(cache)
    preview = fresh_checkout(make_site)
    assert "restored .cache/build, public" in run_plugin("onPreBuild", preview, cache, context=context).stdout
    (preview / "public" / "draft.html").write_text("a preview's own page")
    result = run_plugin("onPostBuild", preview, cache, context=context)
    assert result.returncode == 0, result.stderr
    assert f"a {context} build: the cache is left as the last production build saved it" in result.stdout
    assert read_tree(cache) == saved
