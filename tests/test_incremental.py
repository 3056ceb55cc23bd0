"""Incremental builds are exactly right: after any sequence of edits, the tree an
incremental build leaves equals, byte for byte, what a clean build (no cache) makes.

A property test (hypothesis) draws sequences of edits on a small site: title, date,
tags, draft flag, summary, body, delete, rename, add, a template, a static file,
site.toml, a cross-post's copy arriving or going; plus a few fixed cases (second build writes nothing, a template change
reuses Markdown).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from unittest import mock

import pytest
from conftest import install_theme, post, read_tree, saved_manifest, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.site import search

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)

BASE = {
    "site.toml": 'title = "Inc"\nbase_url = "https://example.org/blog/"\nper_page = 2\nfeed_items = 3\n',
    "content/posts/a.md": post("Alpha", "2024-01-01", tags="[python, web]", body="# A\n\nFirst *post*.\n\n```python\nx = 1\n```\n"),
    "content/posts/b.md": post("Beta", "2024-02-01", tags="[python]", body="Second [link](../a/).\n"),
    "content/posts/c.md": post("Gamma", "2024-03-01", tags="[web, news]", summary="Own summary"),
    "content/posts/d.md": post("Delta", "2024-04-01", draft="true"),
    "content/feedx/e.md": post("Epsilon", "2024-05-01", source="feedx", platform="ghost", original_url="https://x.example/e", guid="e"),
}
NAMES = ["a", "b", "c", "d", "f"]  # f does not exist at first: edits to it create it

TITLES = st.sampled_from(["Alpha", "Beta", "Zeta", "Same", "Überschrift"])
DATES = st.sampled_from(["2023-12-31", "2024-02-01", "2024-06-15T10:00:00+02:00", "2030-01-01"])
TAGS = st.sampled_from(["[]", "[python]", "[web, python]", "[news]", "[Python, rust]"])
BODIES = st.sampled_from(["Plain.\n", "## Heading\n\nText with `code`.\n", "```sql\nSELECT 1;\n```\n", "Para one.\n\nPara two.\n"])

EDITS = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(NAMES), TITLES),
    st.tuples(st.just("date"), st.sampled_from(NAMES), DATES),
    st.tuples(st.just("tags"), st.sampled_from(NAMES), TAGS),
    st.tuples(st.just("draft"), st.sampled_from(NAMES), st.booleans()),
    st.tuples(st.just("summary"), st.sampled_from(NAMES), st.sampled_from(["", "Short one", "Another summary"])),
    st.tuples(st.just("body"), st.sampled_from(NAMES), BODIES),
    st.tuples(st.just("delete"), st.sampled_from(NAMES), st.none()),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(["g", "h"])),
    st.tuples(st.just("template"), st.sampled_from(["post.html", "_macros.html", "base.html"]), st.integers(0, 3)),
    st.tuples(st.just("static"), st.sampled_from(["style.css", "pic.png"]), st.integers(0, 3)),
    st.tuples(st.just("config"), st.sampled_from(["title", "per_page"]), st.integers(1, 3)),
    st.tuples(st.just("copy"), st.sampled_from([*NAMES, "e"]), st.booleans()),  # a cross-post arrives, or goes
)


def _fields(path: Path) -> dict[str, str]:
    """An existing post's front matter as a dict (our test files are simple key: value lines)."""
    text = path.read_text() if path.exists() else post("New", "2024-01-15")
    front, body = text.split("---\n")[1], text.split("---\n", 2)[2]
    fields = dict(line.split(": ", 1) for line in front.splitlines())
    fields["__body__"] = body
    return fields


def _write_post(path: Path, fields: dict[str, str]) -> None:
    body = fields.pop("__body__")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "".join(f"{k}: {v}\n" for k, v in fields.items()) + "---\n" + body)


def apply_edit(root: Path, edit: tuple) -> None:
    kind, name, value = edit
    if kind == "template":
        path = root / "templates" / name
        path.write_text(path.read_text() + f"{{# edit {value} #}}\n" if value else path.read_text().replace("Older post", "Previous post"))
        return
    if kind == "static":
        path = root / "static" / name
        if name == "pic.png":
            path.write_bytes(b"\x89PNG fake image %d" % value)
        else:
            path.write_text(path.read_text() + f"\n/* {value} */\n")
        return
    if kind == "config":
        title = f"Inc {value}" if name == "title" else "Inc"
        per_page = value if name == "per_page" else 2
        (root / "site.toml").write_text(f'title = "{title}"\nbase_url = "https://example.org/blog/"\nper_page = {per_page}\nfeed_items = 3\n')
        return
    if kind == "copy":
        write_copy(root, name, value)
        return
    path = root / "content" / "posts" / f"{name}.md"
    if kind == "delete":
        path.unlink(missing_ok=True)
        return
    if kind == "rename":
        if path.exists():
            path.rename(path.with_name(f"{value}.md"))
        return
    fields = _fields(path)
    if kind == "draft":
        fields["draft"] = "true" if value else "false"
    elif kind == "body":
        fields["__body__"] = value
    elif kind == "summary":
        fields.pop("summary", None)
        if value:
            fields["summary"] = value
    else:
        fields[kind] = value
    _write_post(path, fields)


def write_copy(root: Path, name: str, present: bool) -> None:
    """A copy of post ``name`` in another feed (crosspost.py merges them), or its removal.
    Copies of authored posts say so in front matter; the copy of the imported "e" names
    e's URL as where it was first published."""
    copy = root / "content" / "devto" / f"{name}.md"
    original = root / "content" / ("feedx" if name == "e" else "posts") / f"{name}.md"
    if not present or not original.exists():
        copy.unlink(missing_ok=True)
        return
    fields = _fields(original)
    fields.update(source="devto", platform="forem", original_url=f"https://dev.to/x/{name}", guid=name, tags="[devto]")
    fields.pop("draft", None)
    if name == "e":
        fields["__body__"] += "\nOriginally published at <https://x.example/e>.\n"
    else:
        fields["copy_of"] = f"posts/{name}.md"
    _write_post(copy, fields)


def incremental(root: Path, base_url: str | None = None, **kw):
    return build_site(load_site_config(root, {"base_url": base_url} if base_url else {}), BuildOptions(now=NOW, **kw))


def clean_tree(root: Path, out: Path, base_url: str | None = None, **kw) -> dict[str, bytes]:
    """A clean build (``--clean``: nothing cached is reused) into an empty folder. It keeps
    the URLs posts had (slugs.py), as every build of this project does."""
    shutil.rmtree(out, ignore_errors=True)
    build_site(load_site_config(root, {"base_url": base_url} if base_url else {}), BuildOptions(now=NOW, out_dir=out, clean=True, **kw))
    return read_tree(out)


def new_site(folder: Path) -> Path:
    root = folder / "site"
    write_files(root, BASE)
    install_theme(root)
    return root


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EDITS, min_size=1, max_size=6))
def test_incremental_equals_clean_after_any_edits(edits):
    check_edits_against_clean_builds(new_site, edits)


# Build options are inputs like any other: a step may switch them (and the next switch back).
OPTIONS = st.fixed_dictionaries({
    "drafts": st.booleans(), "future": st.booleans(), "noindex": st.booleans(),
    "base_url": st.sampled_from([None, "https://preview.example.net/deploy-1/"]),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(st.none(), EDITS), OPTIONS), min_size=1, max_size=5))
def test_incremental_equals_clean_after_edits_and_option_switches(steps):
    check_edits_against_clean_builds(new_site, [edit for edit, _ in steps], [options for _, options in steps])


def test_drafts_leave_with_the_drafts_option(tmp_path):
    root = new_site(tmp_path)
    incremental(root, drafts=True)
    assert (root / "public/posts/delta/index.html").is_file()
    incremental(root)
    public = root / "public"
    assert not (public / "posts/delta").exists()
    assert all(b"Delta" not in data for data in read_tree(public).values()), "the draft's words stayed in some file"
    assert read_tree(public) == clean_tree(root, tmp_path / "clean")


def check_edits_against_clean_builds(make_site, edits, options: list[dict] | None = None) -> None:
    """After each edit (None: none) built with its options, the incremental tree equals a
    clean build's. Two posts per search shard, so that edits move posts between several
    shards and adding or deleting a post changes how many there are."""
    with tempfile.TemporaryDirectory() as tmp, mock.patch.object(search, "POSTS_PER_SHARD", 2):
        root = make_site(Path(tmp))
        incremental(root)
        for edit, opts in zip(edits, options or [{}] * len(edits), strict=True):
            if edit is not None:
                apply_edit(root, edit)
            incremental(root, **opts)
            assert read_tree(root / "public") == clean_tree(root, Path(tmp) / "clean", **opts), f"after {edit} with {opts}"


def test_a_body_edit_remakes_only_its_search_shard(tmp_path, monkeypatch):
    monkeypatch.setattr(search, "POSTS_PER_SHARD", 1)  # a shard per post (up to 64)
    made = []
    real = search.shard_file
    monkeypatch.setattr(search, "shard_file", lambda posts, *a, **kw: made.append([p.slug for p in posts]) or real(posts, *a, **kw))
    root = new_site(tmp_path)
    incremental(root)
    first = made[:]
    assert len(first) > 1 and sorted(s for shard in first for s in shard) == ["alpha", "beta", "epsilon", "gamma"]  # no draft
    made.clear()
    apply_edit(root, ("body", "b", "A new word: zanzibar.\n"))
    incremental(root)
    assert made == [next(shard for shard in first if "beta" in shard)]
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_second_build_writes_nothing_and_says_so(tmp_path):
    root = new_site(tmp_path)
    first = incremental(root)
    assert first.published.written > 20 and not first.noop
    before = {p: p.stat().st_mtime_ns for p in (root / "public").rglob("*")}
    second = incremental(root)
    assert second.noop and second.published.written == 0 and second.published.removed == 0
    assert {p: p.stat().st_mtime_ns for p in (root / "public").rglob("*")} == before


def test_an_output_changed_by_hand_ends_the_no_op_and_one_only_touched_does_not(tmp_path):
    """The no-op's output check (``OutputManifest.all_intact``): a file's size, then its
    mtime, then (when only the mtime moved) its bytes."""
    import hashlib
    import os

    root = new_site(tmp_path)
    incremental(root)
    page = root / "public/posts/gamma/index.html"
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 5_000_000_000))  # a copy's new mtime, same bytes
    assert incremental(root).noop
    (root / "public/posts/beta/index.html").unlink()
    assert not incremental(root).noop
    data = page.read_bytes()
    page.write_bytes(data.replace(b"Gamma", b"Gamm4", 1))  # same size, other bytes
    assert hashlib.sha1(page.read_bytes()).digest() != hashlib.sha1(data).digest() and len(page.read_bytes()) == len(data)
    assert not incremental(root).noop
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    assert incremental(root).noop


def test_one_edit_renders_one_post_and_rewrites_only_what_shows_it(tmp_path):
    root = new_site(tmp_path)
    incremental(root)
    stamps = {p.relative_to(root / "public").as_posix(): p.stat().st_mtime_ns for p in (root / "public").rglob("*.html")}
    apply_edit(root, ("body", "c", "Changed body.\n"))
    report = incremental(root)
    assert report.rendered == 1
    changed = {rel for rel, ns in stamps.items() if (root / "public" / rel).stat().st_mtime_ns != ns}
    assert changed == {"posts/gamma/index.html"}  # c has its own summary: no listing shows its body


@pytest.fixture
def rendered_pages(monkeypatch) -> list[str]:
    """The output path of every page rendered from now on."""
    from generator.site.render import Renderer

    seen: list[str] = []
    real = Renderer.render
    monkeypatch.setattr(Renderer, "render", lambda self, page: seen.append(page.output) or real(self, page))
    return seen


def test_a_body_edit_renders_only_pages_that_show_the_body(tmp_path, rendered_pages):
    root = new_site(tmp_path)
    incremental(root)
    rendered_pages.clear()
    apply_edit(root, ("body", "c", "Changed body.\n"))  # c has its own summary
    incremental(root)
    # Its neighbours, the index, tag and archive pages show only its title and summary.
    assert sorted(rendered_pages) == ["posts/gamma/index.html", "search/index.html"]


def test_when_no_listing_moved_only_pages_reading_the_post_in_full_are_digested(tmp_path, monkeypatch):
    from generator.incremental.pagememo import PageMemo

    digested: list[str] = []
    real = PageMemo.digest
    monkeypatch.setattr(PageMemo, "digest", lambda self, page, *a: digested.append(page.output) or real(self, page, *a))
    root = new_site(tmp_path)
    incremental(root)
    every_page = len(set(digested))
    digested.clear()
    apply_edit(root, ("body", "c", "Changed body.\n"))  # c has its own summary: its listing key stays
    incremental(root)
    # its own page (checked, then digested again once rendered) and the status page
    assert sorted(digested) == ["posts/gamma/index.html", "posts/gamma/index.html", "status/index.html"]
    digested.clear()
    apply_edit(root, ("tags", "c", "[web]"))  # a listing field: every page is checked
    incremental(root)
    assert len(set(digested)) >= every_page - 1  # the tag page that went is not digested
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_listing_changes_render_the_listings_again(tmp_path, rendered_pages):
    root = new_site(tmp_path)
    incremental(root)
    rendered_pages.clear()
    apply_edit(root, ("title", "c", "Zeta"))
    incremental(root)
    assert {"posts/zeta/index.html", "archive/index.html", "posts/beta/index.html", "tags/news/index.html"} <= set(rendered_pages)
    rendered_pages.clear()
    apply_edit(root, ("body", "b", "A new first paragraph.\n"))  # b's summary is its first paragraph
    incremental(root)
    assert "posts/beta/index.html" in rendered_pages and "tags/python/index.html" in rendered_pages
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_every_post_attribute_is_either_read_in_full_or_a_listing_field():
    """A new Post attribute must be covered by the listing key or count as read in full."""
    import dataclasses

    from generator.site.assemble import Post

    properties = {n for n in dir(Post) if isinstance(getattr(Post, n), property)}
    public = {f.name for f in dataclasses.fields(Post)} | properties
    # params and date_unknown come from article.extra, which is in the listing key
    listing = {"slug", "summary", "reading_time", "tags", "source", "title", "date", "author", "url", "params", "draft", "author_is_source", "date_unknown", "copies", "aliases", "file_slugs"}
    assert public == Post.DEEP | listing


def test_template_change_rerenders_pages_without_markdown(tmp_path):
    root = new_site(tmp_path)
    incremental(root)
    apply_edit(root, ("template", "post.html", 0))
    report = incremental(root)
    assert report.rendered == 0
    assert "Previous post" in (root / "public/posts/beta/index.html").read_text()


def test_clean_option_ignores_the_cache(tmp_path):
    root = new_site(tmp_path)
    incremental(root)
    report = incremental(root, clean=True)
    assert not report.noop and report.rendered == 4 and report.published.written == 0


def test_image_change_copies_the_image_alone(tmp_path):
    root = new_site(tmp_path)
    (root / "static/pic.png").write_bytes(b"one")
    incremental(root)
    (root / "static/pic.png").write_bytes(b"two")
    report = incremental(root)
    assert report.pages_rendered == 0 and report.published.written == 1
    assert (root / "public/static/pic.png").read_bytes() == b"two"


def test_stylesheet_change_rerenders_pages_naming_it(tmp_path):
    root = new_site(tmp_path)
    incremental(root)
    apply_edit(root, ("static", "style.css", 1))
    report = incremental(root)
    assert report.rendered == 0 and report.pages_rendered > 5  # every page links the new fingerprint
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_pages_rendered_by_forked_workers_are_the_same(tmp_path, monkeypatch):
    import threading

    import generator.incremental.parallel as parallel

    if threading.active_count() > 1:
        pytest.skip("pages are forked only from a single-threaded process")
    forked = []
    real_pool = parallel._pool_class()
    monkeypatch.setattr(parallel, "_pool_class", lambda: lambda *a, **kw: forked.append(kw["mp_context"].get_start_method()) or real_pool(*a, **kw))
    root = new_site(tmp_path)
    serial = clean_tree(root, tmp_path / "serial")
    monkeypatch.setattr(parallel, "PAGE_POOL_THRESHOLD", 1)
    monkeypatch.setattr(parallel, "worker_count", lambda items, workers: 2)
    assert clean_tree(root, tmp_path / "forked") == serial
    assert forked.count("fork") >= 2  # Markdown and pages
    incremental(root, clean=True)
    assert read_tree(root / "public") == serial
    manifest = saved_manifest(root).pages
    # The workers made each page's digest: the same as this process makes them.
    monkeypatch.setattr(parallel, "PAGE_POOL_THRESHOLD", 10**6)
    incremental(root, clean=True)  # serial this time
    assert saved_manifest(root).pages == manifest


def test_errors_found_by_pool_workers_name_file_and_line(tmp_path, monkeypatch):
    import generator.incremental.parallel as parallel
    from generator.errors import ContentErrors

    root = new_site(tmp_path)
    (root / "content/posts/bad.md").write_text("---\ntitle: Bad\ndate: not a date\n---\n")
    (root / "content/posts/latin1.md").write_bytes(b"---\ntitle: caf\xe9\ndate: 2024-01-01\n---\n")
    with pytest.raises(ContentErrors) as here:
        incremental(root)
    monkeypatch.setattr(parallel, "worker_count", lambda items, workers: 2 if items else 1)
    with pytest.raises(ContentErrors) as pooled:
        incremental(root)
    assert [str(e) for e in pooled.value.errors] == [str(e) for e in here.value.errors] == [
        "content/posts/bad.md:3: bad 'date': Invalid isoformat string: 'not a date'; write a date such as 2026-01-31 or 2026-01-31T09:30:00Z",
        "content/posts/latin1.md: not UTF-8 text (byte 14); save the file as UTF-8",
    ]
    assert not (root / "public").exists()


# ---------------------------------------------------------------- the quick path (incremental/quick.py)

QUICK_POSTS = "abcdefgh"
QUICK_IMPORTED = "bef"  # from one feed, between the site's own posts: previous/next stay within each
QUICK_BASE = {
    "site.toml": 'title = "Inc"\nbase_url = "https://example.org/blog/"\nper_page = 2\nfeed_items = 1\n',
    **{
        f"content/posts/{n}.md": post(
            f"Post {n.upper()}", f"2024-01-0{i + 1}", body=f"Same first.\n\nBody of {n}.\n\n```python\nx = {i}\n```\n",
            **({"tags": "[news]"} if n == "h" else {}), **({"summary": "Own summary"} if n == "c" else {}),
            **({"source": "feedx"} if n in QUICK_IMPORTED else {}),
        )
        for i, n in enumerate(QUICK_POSTS)
    },
}
QUICK_BODIES = st.sampled_from(["Same first.\n\nMore text.\n", "Same first.\n\n```sql\nSELECT 2;\n```\n", "A new first.\n", "Same first.\n"])
QUICK_EDITS = st.one_of(
    st.tuples(st.just("body"), st.sampled_from(list(QUICK_POSTS)), QUICK_BODIES),
    st.tuples(st.just("body"), st.sampled_from(list(QUICK_POSTS)), QUICK_BODIES),
    st.tuples(st.just("title"), st.sampled_from(list(QUICK_POSTS)), TITLES),
    st.tuples(st.just("summary"), st.sampled_from(list(QUICK_POSTS)), st.sampled_from(["", "Short one"])),
    st.tuples(st.just("draft"), st.sampled_from(list(QUICK_POSTS)), st.booleans()),
    st.tuples(st.just("template"), st.sampled_from(["post.html", "base.html"]), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.sampled_from(list(QUICK_POSTS)), st.none()),
    st.tuples(st.just("copy"), st.sampled_from(list(QUICK_POSTS)), st.booleans()),
)


def quick_site(folder: Path) -> Path:
    root = folder / "site"
    write_files(root, QUICK_BASE)
    install_theme(root)
    return root


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_a_body_edit_takes_the_quick_path_and_touches_only_its_page_and_shard(tmp_path):
    root = quick_site(tmp_path)
    incremental(root)
    before = mtimes(root / "public")
    apply_edit(root, ("body", "c", "Same first.\n\nAn added sentence.\n"))  # c: own summary, in no feed
    report = incremental(root)
    assert report.quick and report.rendered == 1
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    after = mtimes(root / "public")
    touched = {p for p in after if before.get(p) != after[p]}
    assert "posts/post-c/index.html" in touched and "search-index.json" in touched
    assert all(p.startswith("search/shards/") for p in touched - {"posts/post-c/index.html", "search-index.json"})
    assert incremental(root).noop  # and the next build knows it did all that


@pytest.mark.parametrize(
    "edit, quick",
    [
        (("body", "d", "Same first.\n\nMore.\n"), True),  # automatic summary unchanged
        (("body", "d", "A new first.\n"), False),  # automatic summary changed: listings too
        (("title", "d", "Other"), False),
        (("body", "h", "Same first.\n\nMore.\n"), False),  # the newest post: the feeds show it
        (("draft", "d", True), False),
    ],
)
def test_what_takes_the_quick_path(tmp_path, edit, quick):
    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, edit)
    assert incremental(root).quick is quick
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_the_quick_path_links_an_edited_post_to_its_neighbours_from_the_same_source(tmp_path):
    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, ("body", "e", "Same first.\n\nEdited.\n"))
    assert incremental(root).quick
    page = (root / "public/posts/post-e/index.html").read_text()
    assert 'rel="prev" href="/blog/posts/post-b/"' in page and 'rel="next" href="/blog/posts/post-f/"' in page
    apply_edit(root, ("body", "d", "Same first.\n\nEdited.\n"))
    assert incremental(root).quick
    page = (root / "public/posts/post-d/index.html").read_text()
    assert 'rel="prev" href="/blog/posts/post-c/"' in page and 'rel="next" href="/blog/posts/post-g/"' in page
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_the_quick_path_leaves_a_cache_the_normal_build_trusts(tmp_path):
    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, ("body", "b", "Same first.\n\nOne.\n"))
    apply_edit(root, ("body", "e", "Same first.\n\nTwo.\n"))
    assert incremental(root).quick
    apply_edit(root, ("template", "post.html", 1))  # every page again, through the normal build
    assert not incremental(root).quick
    apply_edit(root, ("body", "b", "Same first.\n\nThree.\n"))
    assert incremental(root).quick
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def page_tables(root: Path) -> tuple[dict[str, str], dict[str, list[str]], list]:
    manifest = saved_manifest(root)
    return manifest.pages, manifest.read_in_full, manifest.listings


def test_the_quick_path_records_the_rows_a_full_build_would_without_reading_the_page_tables(tmp_path, monkeypatch):
    import generator.incremental.manifest as manifestlib

    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, ("body", "e", "Same first.\n\nEdited, with [a link](../post-b/).\n"))
    with monkeypatch.context() as patch:  # pages and read_in_full are asked for by rows, never read whole
        patch.setattr(manifestlib, "_read_page_tables", lambda *_: pytest.fail("the quick path read the page tables whole"))
        assert incremental(root).quick
    quick = page_tables(root)
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    assert not incremental(root, clean=True).quick  # every row made afresh
    assert page_tables(root) == quick
    assert incremental(root).noop


def test_a_quick_builds_rows_are_the_same_when_the_page_tables_were_read_whole(tmp_path, monkeypatch):
    """record_changes applies the rows in memory when something read the tables first
    (the same rules as writing them alone): the saved tables equal a clean build's."""
    from generator.incremental.manifest import OutputManifest

    real = OutputManifest.record_changes

    def reading_first(self, *args, **kw):
        assert self.pages and self.read_in_full is not None  # the tables read whole
        return real(self, *args, **kw)

    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, ("body", "e", "Same first.\n\nEdited, with [a link](../post-b/).\n"))
    monkeypatch.setattr(OutputManifest, "record_changes", reading_first)
    assert incremental(root).quick
    quick = page_tables(root)
    assert not incremental(root, clean=True).quick
    assert page_tables(root) == quick


def test_a_bad_read_in_full_row_naming_the_edited_post_refuses_the_quick_path(tmp_path):
    import sqlite3

    root = quick_site(tmp_path)
    incremental(root)
    with sqlite3.connect(root / ".cache/build/cache.sqlite") as db:  # a row that names post e, not as JSON
        db.execute("UPDATE read_in_full SET paths = 'not json \"posts/e.md\"' WHERE page = 'posts/post-e/index.html'")
        assert db.total_changes == 1
    db.close()
    apply_edit(root, ("body", "e", "Same first.\n\nEdited.\n"))
    assert not incremental(root).quick
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_the_quick_path_spells_tags_as_the_last_build_recorded_and_a_respelt_tag_is_no_quick_edit(tmp_path):
    root = quick_site(tmp_path)
    for name, tags in (("c", "[Python]"), ("d", "[python]"), ("g", "[python]")):
        apply_edit(root, ("tags", name, tags))
    incremental(root)
    apply_edit(root, ("body", "c", "Same first.\n\nEdited.\n"))
    assert incremental(root).quick  # c's own spelling is not the site's: its page shows "python"
    assert 'href="/blog/tags/python/">python</a>' in (root / "public/posts/post-c/index.html").read_text()
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    apply_edit(root, ("tags", "d", "[Python]"))  # now most posts spell it "Python"
    apply_edit(root, ("body", "d", "Same first.\n\nEdited.\n"))
    assert not incremental(root).quick
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(QUICK_EDITS, min_size=1, max_size=6))
def test_quick_and_normal_builds_equal_clean_builds(edits):
    check_edits_against_clean_builds(quick_site, edits)


def test_an_edit_that_leaves_the_code_alone_highlights_nothing_again(tmp_path, monkeypatch):
    import generator.site.markup as markup

    root = quick_site(tmp_path)
    incremental(root)
    highlighted: list[str] = []
    real = markup.highlight_code
    monkeypatch.setattr(markup, "highlight_code", lambda code, lang: highlighted.append(lang) or real(code, lang))
    apply_edit(root, ("title", "d", "Renamed"))  # the normal build; d has a python block
    assert not incremental(root).quick and highlighted == []
    apply_edit(root, ("body", "e", "Same first.\n\n```python\nx = 'new'\n```\n"))  # the quick path, new code
    assert incremental(root).quick and highlighted == ["python"]
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_the_reason_the_quick_path_was_not_taken_is_logged(tmp_path, caplog):
    import logging

    root = quick_site(tmp_path)
    incremental(root)
    apply_edit(root, ("title", "d", "Other"))
    with caplog.at_level(logging.DEBUG, logger="generator.incremental.quick"):
        assert not incremental(root).quick
    assert "quick path not taken: posts/d.md: more than its body changed" in caplog.text


def test_the_quick_path_edits_only_a_search_shard_the_last_build_wrote(tmp_path, caplog):
    """It keeps the other entries of the edited post's shard byte for byte, from the file:
    a file whose bytes are not the recorded ones (its size and mtime put back) is refused."""
    import logging
    import os

    root = quick_site(tmp_path)
    incremental(root)
    shard = next((root / "public/search/shards").iterdir())
    before, data = shard.stat(), shard.read_bytes()
    shard.write_bytes(data.replace(b"Post B", b"Post Q", 1))
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    apply_edit(root, ("body", "c", "Same first.\n\nEdited.\n"))
    with caplog.at_level(logging.DEBUG, logger="generator.incremental.quick"):
        assert not incremental(root).quick
    assert "quick path not taken: a search shard is not as the last build wrote it" in caplog.text


def test_an_authors_own_key_reaches_templates_and_its_edit_remakes_the_listing(tmp_path):
    root = new_site(tmp_path)
    index = root / "templates" / "index.html"
    index.write_text(index.read_text().replace("{{ summary_list(posts) }}", "{% for p in posts %}<p class=series>{{ p.params.series | default('-') }}</p>{% endfor %}"))
    fields = _fields(root / "content/posts/c.md")
    _write_post(root / "content/posts/c.md", {**fields, "series": "Tours"})
    incremental(root)
    assert "<p class=series>Tours</p>" in (root / "public/index.html").read_text()
    fields = _fields(root / "content/posts/c.md")
    fields.pop("series")
    _write_post(root / "content/posts/c.md", {**fields, "params": "{series: Walks}"})
    incremental(root)
    assert "<p class=series>Walks</p>" in (root / "public/index.html").read_text()
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")


def test_a_copy_arriving_and_going_keeps_incremental_and_clean_builds_equal(tmp_path):
    """The cross-post edit the property tests draw does merge (else they would prove little)."""
    root = new_site(tmp_path)
    incremental(root)
    for name in ("a", "e"):
        apply_edit(root, ("copy", name, True))
        incremental(root)
        assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
    assert "Also published on" in (root / "public/posts/alpha/index.html").read_text()
    assert "Also published on" in (root / "public/posts/epsilon/index.html").read_text()
    assert "This article is now at" in (root / "public/posts/alpha-2/index.html").read_text()
    apply_edit(root, ("copy", "a", False))
    incremental(root)
    assert "Also published on" not in (root / "public/posts/alpha/index.html").read_text()
    assert read_tree(root / "public") == clean_tree(root, tmp_path / "clean")
