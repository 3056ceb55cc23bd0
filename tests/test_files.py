"""files.py: finding article files keeps the rules the os.walk listing had.

``find_articles`` lists with ``os.scandir`` (no ``stat`` per file); the property test
checks it against the ``os.walk`` + ``isfile`` listing it replaced, on trees with hidden
files and folders, non-Markdown files, folders named like articles and links.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.files import find_articles


def walk_listing(content_dir: Path) -> list[str]:
    """The listing as it was made before: os.walk, isfile per file."""
    found = []
    for folder, dirs, names in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = os.path.relpath(folder, content_dir).replace(os.sep, "/")
        prefix = "" if rel_folder == "." else rel_folder + "/"
        found += [prefix + n for n in names if n.endswith(".md") and not n.startswith(".") and os.path.isfile(os.path.join(folder, n))]
    return sorted(found, key=lambda rel: rel.split("/"))


SEGMENTS = st.sampled_from(["a", "b", "a-b", "a.b", ".hidden", "x.md", ".x.md", "posts", "2024", "Z"])
NAMES = st.sampled_from(["a.md", "b.md", "a-b.md", ".a.md", ".a.md.swp", "notes.txt", "x.md", "Z.md", "md", "a.MD"])
KINDS = st.sampled_from(["file", "file", "file", "dir", "link-file", "link-dir", "dangling"])
TREES = st.lists(st.tuples(st.lists(SEGMENTS, max_size=3), NAMES, KINDS), max_size=12)


def make_tree(root: Path, tree: list[tuple[list[str], str, str]]) -> None:
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "target.md").write_text("x")
    content = root / "content"
    content.mkdir()
    for folders, name, kind in tree:
        folder = content.joinpath(*folders)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            if path.exists() or path.is_symlink():
                continue
            if kind == "file":
                path.write_text("x")
            elif kind == "dir":
                path.mkdir()
                (path / "inner.md").write_text("x")
            elif kind == "link-file":
                path.symlink_to(root / "elsewhere" / "target.md")
            elif kind == "link-dir":
                path.symlink_to(root / "elsewhere", target_is_directory=True)
            else:
                path.symlink_to(root / "missing.md")
        except (FileExistsError, NotADirectoryError):
            continue  # a file already where this wants a folder


@settings(max_examples=60, deadline=None)
@given(TREES)
def test_find_articles_lists_what_the_walk_listed(tree):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root, tree)
        content = root / "content"
        found = find_articles(content)
        assert [f.rel for f in found] == walk_listing(content)
        assert all(f.path == os.path.join(content, f.rel) for f in found)


def test_find_articles_follows_links_to_files_but_not_to_folders(tmp_path: Path):
    make_tree(tmp_path, [(["posts"], "a.md", "file"), (["posts"], "b.md", "link-file"), (["posts"], "c.md", "dangling"), ([], "linked", "link-dir"), ([], ".git", "dir")])
    assert [f.rel for f in find_articles(tmp_path / "content")] == ["posts/a.md", "posts/b.md"]


def test_a_missing_content_folder_has_no_articles(tmp_path: Path):
    assert find_articles(tmp_path / "nothing") == []
