"""The output folder guard: a build (or serve) replaces only a folder that is its own output.

Each refused case runs the real command against a real project and checks that it
exits 2 with one line naming the folder, and that every file of the project (and of
the folder around it) is still there with the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import post, read_tree

from generator.cli import main
from generator.config import load_site_config
from generator.site.outdir import MARKER, OutputDirError, check_output_dir
from generator.site.publish import Staging


@pytest.fixture
def project(make_site, tmp_path, monkeypatch) -> Path:
    root = make_site({"content/posts/a.md": post("A", "2024-01-01"), "feeds/feeds.toml": "", "site.toml": 'title = "T"\n', ".git/HEAD": "ref: refs/heads/main\n"})
    (tmp_path / "sibling.txt").write_text("a file beside the project\n")
    monkeypatch.chdir(root)
    return root


def refused(capsys, argv: list[str], folder: Path) -> str:
    before = read_tree(folder)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert read_tree(folder) == before, "the refused build changed files"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: output folder ") and "refused" in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "out, reason",
    [
        (".", "project folder"),
        ("..", "project folder"),
        ("content", "source folder content_dir"),
        ("content/posts", "source folder content_dir"),
        ("templates", "source folder templates_dir"),
        ("static", "source folder static_dir"),
        ("feeds", "source folder feeds_dir"),
        (".git", "source folder .git/"),
    ],
)
def test_build_refuses_the_project_and_its_source_folders(project, capsys, out, reason):
    line = refused(capsys, ["build", "--out", out], project.parent)
    assert str((project / out).resolve()) in line and reason in line


def test_output_dir_in_site_toml_is_guarded_too(project, capsys):
    (project / "site.toml").write_text('title = "T"\noutput_dir = "static"\n')
    line = refused(capsys, ["build"], project.parent)
    assert str(project / "static") in line


def test_a_folder_of_the_users_own_files_is_refused(project, capsys, tmp_path):
    notes = tmp_path / "home" / "notes"
    notes.mkdir(parents=True)
    (notes / "todo.md").write_text("my own notes\n")
    line = refused(capsys, ["build", "--out", str(notes)], tmp_path)
    assert str(notes) in line and "did not make" in line


def test_a_folder_holding_a_source_folder_is_refused(make_site, capsys, monkeypatch):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01"), "site.toml": 'content_dir = "site/content"\n'})
    monkeypatch.chdir(root)
    line = refused(capsys, ["build", "--out", "site"], root)
    assert "contains the source folder content_dir" in line


def test_new_empty_and_own_folders_are_built_into(project, capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (tmp_path / "new" / "site", empty, project / "public"):
        assert main(["build", "--out", str(out)]) == 0, capsys.readouterr().err
        assert (out / MARKER).is_file() and (out / "posts/a/index.html").is_file()
        assert main(["build", "--out", str(out)]) == 0  # its own output: built into again
    assert (tmp_path / "sibling.txt").read_text() == "a file beside the project\n"


def test_an_earlier_builds_output_without_the_marker_is_adopted(project, capsys):
    assert main(["build"]) == 0
    (project / "public" / MARKER).unlink()  # as made before the marker existed
    (project / "public" / "posts/a/index.html").write_text("stale")
    assert main(["build", "--clean"]) == 0, capsys.readouterr().err
    assert (project / "public" / MARKER).is_file() and "stale" not in (project / "public/posts/a/index.html").read_text()


def test_a_file_is_not_an_output_folder(project, capsys):
    (project / "notes.txt").write_text("mine\n")
    line = refused(capsys, ["build", "--out", "notes.txt"], project)
    assert "is a file" in line


def test_a_staging_folder_the_build_did_not_make_is_left_alone(project, tmp_path):
    mine = tmp_path / ".public.staging"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine\n")
    with pytest.raises(OutputDirError, match="did not make"):
        Staging(tmp_path / "public").__enter__()
    assert (mine / "keep.txt").read_text() == "mine\n"
    (mine / "keep.txt").unlink()
    with Staging(tmp_path / "public") as staging:  # empty, or a leftover of a build: reused
        assert (staging.path / MARKER).is_file()
    assert not mine.exists()


def test_serve_refuses_its_folder_like_build(project):
    from generator.serve import DevServer

    site = load_site_config(project)
    check_output_dir(site, project / ".cache" / "serve-public")  # the default is fine
    before = read_tree(project)
    with pytest.raises(OutputDirError, match="source folder content_dir"):
        DevServer(project, port=0, out_dir=project / "content")
    assert read_tree(project) == before
