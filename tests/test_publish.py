"""Publishing: files staged by workers, kept files, in-place and staged swaps.

Each test publishes real bytes into a real folder and checks the folder afterwards:
its files, their bytes, which modification times moved, and that nothing is left
beside it (no staging folder, no old tree).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import generator.site.publish as publishing
from generator.errors import BuildError
from generator.models import OutputFile
from generator.site.outdir import MARKER
from generator.site.publish import KeptFile, Staging, publish, write_staged


def tree(root: Path) -> dict[str, bytes]:
    """The output's files, less the marker every publish adds (tests/test_outdir.py checks it)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != MARKER}


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def stage(staging: Staging, pages: dict[str, bytes]) -> list:
    """What forked page workers do: write pages into the staging folder."""
    return [write_staged(staging.path, rel, data) for rel, data in pages.items()]


def test_staged_pages_land_in_the_output_and_the_staging_folder_goes(tmp_path):
    out = tmp_path / "public"
    with Staging(out) as staging:
        staged = stage(staging, {"index.html": b"<p>home</p>", "posts/a/index.html": b"<p>a</p>"})
        report = publish([*staged, OutputFile("robots.txt", b"User-agent: *\n")], out, None, staging.path)
    assert tree(out) == {"index.html": b"<p>home</p>", "posts/a/index.html": b"<p>a</p>", "robots.txt": b"User-agent: *\n"}
    assert report.written == 4 and leftovers(out) == []  # three pages and the marker
    assert (out / MARKER).is_file()
    assert report.manifest["posts/a/index.html"][0] == staged[1].sha


@pytest.mark.parametrize("in_place_limit", [0, 500], ids=["staged-swap", "in-place"])
def test_restaged_unchanged_pages_keep_their_mtime(tmp_path, monkeypatch, in_place_limit):
    monkeypatch.setattr(publishing, "IN_PLACE_LIMIT", in_place_limit)
    monkeypatch.setattr(publishing, "IN_PLACE_SHARE", 0)
    out = tmp_path / "public"
    pages = {f"posts/p{i}/index.html": f"<p>{i}</p>".encode() for i in range(5)}
    with Staging(out) as staging:
        staged = stage(staging, pages)
        first = publish(staged, out, {}, staging.path)
    before = mtimes(out)
    os.utime(out / "posts/p0/index.html", ns=(1, 1))  # an old mtime, so a rewrite would show
    first.manifest["posts/p0/index.html"][2] = 1
    before["posts/p0/index.html"] = 1

    changed = dict(pages, **{"posts/p3/index.html": b"<p>three, edited</p>"})
    del changed["posts/p4/index.html"]
    with Staging(out) as staging:
        staged = stage(staging, changed)
        report = publish(staged, out, first.manifest, staging.path)
    assert tree(out) == changed
    assert (report.written, report.removed) == (1, 1)
    after = mtimes(out)
    assert {p for p in after if after[p] != before[p]} == {"posts/p3/index.html"}
    assert leftovers(out) == []


def test_a_failed_build_after_staging_leaves_the_output_as_it_was(tmp_path):
    out = tmp_path / "public"
    out.mkdir()
    (out / "index.html").write_bytes(b"old")
    with pytest.raises(RuntimeError), Staging(out) as staging:
        stage(staging, {"index.html": b"new", "posts/x/index.html": b"x"})
        if (staging.path / "posts/x/index.html").exists():
            raise RuntimeError("a template failed after some pages were staged")
    assert tree(out) == {"index.html": b"old"} and leftovers(out) == []


def test_two_staged_pages_with_different_bytes_for_one_path_are_refused(tmp_path):
    out = tmp_path / "public"
    with Staging(out) as staging:
        one = write_staged(staging.path, "index.html", b"one")
        two = write_staged(staging.path, "index.html", b"two")
        with pytest.raises(BuildError, match="index.html"):
            publish([one, two], out, None, staging.path)
        with pytest.raises(BuildError, match="index.html"):
            publish([one, OutputFile("index.html", b"one")], out, None, staging.path)
    assert not out.exists()


def test_kept_and_staged_files_need_what_vouches_for_them(tmp_path):
    out = tmp_path / "public"
    with pytest.raises(BuildError, match="without a manifest entry"):
        publish([KeptFile("a.html", "0" * 40)], out, {})
    with pytest.raises(BuildError, match="without a staging folder"):
        publish([publishing.StagedFile("a.html", "0" * 40)], out, None)


def test_staging_refuses_paths_outside_it(tmp_path):
    with Staging(tmp_path / "public") as staging, pytest.raises(BuildError, match="not a safe relative path"):
        write_staged(staging.path, "../escape.html", b"x")
    assert not (tmp_path / "escape.html").exists()


def test_replace_files_touches_only_what_changed(tmp_path):
    from generator.site.publish import replace_files

    out = tmp_path / "public"
    pages = {"index.html": b"home", "posts/a/index.html": b"a", "search/shards/old.json": b"[1]"}
    first = publish([OutputFile(p, d) for p, d in pages.items()], out, {})
    os.utime(out / "index.html", ns=(1, 1))
    first.manifest["index.html"][2] = 1
    report = replace_files(
        [OutputFile("posts/a/index.html", b"a, edited"), OutputFile("index.html", b"home"), OutputFile("search/shards/new.json", b"[2]")],
        {"search/shards/old.json"}, out, first.manifest,
    )
    assert tree(out) == {"index.html": b"home", "posts/a/index.html": b"a, edited", "search/shards/new.json": b"[2]"}
    assert (report.written, report.removed, report.total) == (2, 1, 4)  # with the marker
    assert (out / "index.html").stat().st_mtime_ns == 1  # same bytes: not rewritten
    assert report.manifest["posts/a/index.html"][1] == len(b"a, edited") and "search/shards/old.json" not in report.manifest


def test_write_staged_makes_missing_folders_and_reuses_existing_ones(tmp_path):
    import hashlib

    staging = tmp_path / "staging"
    staging.mkdir()
    files = {"top.html": b"t", "tags/x/page/2/index.html": b"deep", "tags/x/index.html": b"x", "tags/x/page/2/other.html": b"o", "posts/a/index.html": b"a"}
    for rel, data in files.items():
        staged = write_staged(staging, rel, data)
        assert staged.path == rel and staged.sha == hashlib.sha1(data).hexdigest()
    assert {p.relative_to(staging).as_posix(): p.read_bytes() for p in staging.rglob("*") if p.is_file()} == files
    with pytest.raises(BuildError, match="not a safe relative path"):
        write_staged(staging, "../outside.html", b"no")
    assert not (tmp_path / "outside.html").exists()


def test_a_change_to_a_small_share_of_a_big_site_is_written_in_place(tmp_path, monkeypatch):
    """Past IN_PLACE_LIMIT files, a change to under half the site is still written in place:
    no staging folder, no .old folder, every unchanged file the very same inode."""
    monkeypatch.setattr(publishing, "IN_PLACE_LIMIT", 2)
    out = tmp_path / "public"
    pages = {f"page/{i}/index.html": f"<p>{i}</p>".encode() for i in range(10)}
    first = publish([OutputFile(p, d) for p, d in pages.items()], out, {})
    inodes = {p: os.stat(out / p).st_ino for p in pages}
    edited = dict(pages, **{f"page/{i}/index.html": f"<p>{i}, shifted</p>".encode() for i in range(4)})

    swaps = []
    monkeypatch.setattr(publishing, "_stage_and_swap", lambda *a, **k: swaps.append(a))
    report = publish([OutputFile(p, d) for p, d in edited.items()], out, first.manifest)
    assert swaps == [] and report.written == 4
    assert tree(out) == edited
    assert {p for p in pages if os.stat(out / p).st_ino != inodes[p]} == {f"page/{i}/index.html" for i in range(4)}
    assert leftovers(out) == []


def test_a_change_to_most_of_a_big_site_is_staged_and_swapped(tmp_path, monkeypatch):
    monkeypatch.setattr(publishing, "IN_PLACE_LIMIT", 2)
    out = tmp_path / "public"
    pages = {f"page/{i}/index.html": f"<p>{i}</p>".encode() for i in range(10)}
    first = publish([OutputFile(p, d) for p, d in pages.items()], out, {})
    edited = {p: d + b" again" for p, d in pages.items()}
    real_swap, swaps = publishing._stage_and_swap, []
    monkeypatch.setattr(publishing, "_stage_and_swap", lambda *a, **k: (swaps.append(1), real_swap(*a, **k)))
    publish([OutputFile(p, d) for p, d in edited.items()], out, first.manifest)
    assert swaps == [1] and tree(out) == edited and leftovers(out) == []
