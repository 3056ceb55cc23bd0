"""slugs.py: a published URL never moves when posts are added; clashes are errors or warnings naming both files."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import post

from generator.config import load_site_config
from generator.content import parse_article
from generator.errors import ContentErrors
from generator.pipeline import BuildOptions, build_site
from generator.slugs import assign_slugs

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def article(path: str, title: str, date: str, **front: str):
    return parse_article(post(title, date, **front), path)


def test_the_oldest_post_gets_the_plain_slug_without_memory():
    posts = [article("posts/b.md", "Same", "2024-02-01"), article("posts/a.md", "Same", "2024-01-01")]
    slugs, clashes = assign_slugs(posts)
    assert slugs == ["same-2", "same"]
    assert [(c.holder, c.moved, c.given) for c in clashes] == [("posts/a.md", "posts/b.md", "same-2")]


def test_the_post_that_had_the_url_keeps_it_and_so_does_its_suffixed_neighbour():
    posts = [article("posts/new.md", "Same", "2023-01-01"), article("posts/a.md", "Same", "2024-01-01"), article("posts/b.md", "Same", "2024-02-01")]
    slugs, clashes = assign_slugs(posts, {"posts/a.md": "same", "posts/b.md": "same-2"})
    assert slugs == ["same-3", "same", "same-2"]
    assert len(clashes) == 1 and "posts/new.md and posts/a.md both make the URL /posts/same/" in clashes[0].warning()


def test_a_remembered_slug_of_another_title_is_not_kept():
    slugs, _ = assign_slugs([article("posts/a.md", "New title", "2024-01-01")], {"posts/a.md": "old-title"})
    assert slugs == ["new-title"]


def test_two_files_claiming_one_slug_is_an_error_naming_both():
    posts = [article("posts/a.md", "A", "2024-01-01", slug="mine"), article("posts/b.md", "B", "2024-02-01", slug="Mine")]
    with pytest.raises(ContentErrors) as info:
        assign_slugs(posts)
    assert str(info.value) == "posts/b.md: slug 'mine' is also claimed by posts/a.md; give one of them another 'slug:'"


def test_an_explicit_slug_wins_over_a_derived_one_not_yet_published():
    slugs, clashes = assign_slugs([article("posts/a.md", "Same", "2024-01-01"), article("posts/b.md", "Other", "2024-02-01", slug="same")])
    assert slugs == ["same-2", "same"] and clashes[0].moved == "posts/a.md"


def test_an_explicit_slug_taking_a_published_url_is_an_error_naming_both():
    posts = [article("posts/a.md", "Same", "2024-01-01"), article("posts/b.md", "Other", "2024-02-01", slug="same")]
    with pytest.raises(ContentErrors) as info:
        assign_slugs(posts, {"posts/a.md": "same"})
    assert str(info.value) == ("posts/b.md: slug 'same' is the published URL of posts/a.md (/posts/same/); "
                               "a published URL never moves: give this post another 'slug:'")
    slugs, _ = assign_slugs(posts, {"posts/b.md": "same", "posts/a.md": "same-2"})  # b had it already: no move
    assert slugs == ["same-2", "same"]
    slugs, _ = assign_slugs([posts[1]], {"posts/a.md": "same"})  # a is gone: its URL is free
    assert slugs == ["same"]


def test_a_build_refuses_a_slug_that_moves_a_published_page(make_site):
    root = make_site({"site.toml": 'title = "T"\n', "content/posts/a.md": post("Hello world", "2024-05-01", body="The first one.\n")})
    build(root)
    (root / "content/posts/b.md").write_text(post("Another", "2024-06-01", slug="hello-world"))
    with pytest.raises(ContentErrors, match="posts/b.md: slug 'hello-world' is the published URL of posts/a.md"):
        build(root)
    assert "The first one." in (root / "public/posts/hello-world/index.html").read_text()


def test_imported_articles_sharing_a_written_slug_are_settled_not_refused():
    def imported(path, date, **front):
        return article(path, "Title", date, source=path.split("/")[0], guid=path, slug="same", **front)

    posts = [imported("feedb/x.md", "2024-01-01"), imported("feeda/x.md", "2024-02-01"), article("posts/mine.md", "Mine", "2024-03-01", slug="same")]
    slugs, clashes = assign_slugs(posts)
    assert slugs == ["same-2", "same-3", "same"]  # the author's post holds it; the others oldest first
    assert [c.moved for c in clashes] == ["feedb/x.md", "feeda/x.md"]
    slugs, _ = assign_slugs(posts[:2], {"feeda/x.md": "same", "feedb/x.md": "same-2"})
    assert slugs == ["same-2", "same"]  # each keeps the URL it had


def build(root: Path) -> None:
    build_site(load_site_config(root), BuildOptions(now=NOW))


def test_a_same_title_post_added_earlier_dated_does_not_take_the_existing_url(make_site, caplog):
    root = make_site({"site.toml": 'title = "T"\n', "content/posts/existing.md": post("Hello world", "2024-05-01", body="The first one.\n")})
    build(root)
    assert "The first one." in (root / "public/posts/hello-world/index.html").read_text()
    (root / "content/posts/older.md").write_text(post("Hello world", "2024-01-01", body="Written later, dated earlier.\n"))
    with caplog.at_level(logging.WARNING):
        build(root)
    assert "The first one." in (root / "public/posts/hello-world/index.html").read_text()
    assert "dated earlier" in (root / "public/posts/hello-world-2/index.html").read_text()
    assert "posts/older.md and posts/existing.md both make the URL /posts/hello-world/" in caplog.text


def test_the_same_slug_in_two_files_stops_the_build(make_site):
    root = make_site({"content/posts/a.md": post("A", "2024-01-01", slug="x"), "content/posts/b.md": post("B", "2024-01-02", slug="x")})
    with pytest.raises(ContentErrors, match="posts/b.md: slug 'x' is also claimed by posts/a.md"):
        build(root)
    assert not (root / "public").exists()
