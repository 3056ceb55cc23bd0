"""pipeline.py: a whole build in memory and on disk: pages, determinism, safety, no-op rebuilds."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.errors import ContentErrors, GeneratorError
from generator.pipeline import BuildOptions, build_site

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def build(root: Path, **kw) -> Path:
    site = load_site_config(root)
    build_site(site, BuildOptions(now=NOW, **kw))
    return kw.get("out_dir") or site.path("output")


SITE = {
    "site.toml": 'title = "Test"\nbase_url = "https://example.org/"\nper_page = 2\n',
    "content/posts/a.md": post("First", "2024-01-01", tags="[python, web]"),
    "content/posts/b.md": post("Second", "2024-02-01", tags="[python]"),
    "content/posts/c.md": post("Third", "2025-01-01", body="```python\n\tx = 1\n```\n"),
    "content/posts/draft.md": post("Draft one", "2024-03-01", draft="true"),
    "content/posts/future.md": post("From the future", "2030-01-01"),
    "content/feedx/2024-04-01-imported.md": post(
        "Imported", "2024-04-01", author="Ann", source="feedx", platform="ghost",
        original_url="https://blog.example/imported/", guid="g1",
    ),
}


def test_every_page_exists(make_site):
    out = build(make_site(SITE))
    for path in [
        "index.html", "page/2/index.html", "posts/first/index.html", "posts/imported/index.html",
        "tags/index.html", "tags/python/index.html", "tags/python/feed.xml",
        "sources/index.html", "sources/feedx/index.html", "archive/index.html", "404.html",
        "feed.xml", "atom.xml", "feed.json", "sitemap.xml", "robots.txt",
    ]:
        assert (out / path).is_file(), path
    assert not (out / "page/3").exists()
    assert not (out / "posts/draft-one").exists() and not (out / "posts/from-the-future").exists()


def test_drafts_and_future_flags(make_site):
    out = build(make_site(SITE), drafts=True, future=True)
    assert (out / "posts/draft-one/index.html").exists() and (out / "posts/from-the-future/index.html").exists()


def test_index_is_newest_first_with_summaries(make_site):
    out = build(make_site(SITE))
    soup = BeautifulSoup((out / "index.html").read_text(), "html.parser")
    titles = [a.get_text() for a in soup.select(".post-list .p-name a")]
    assert titles == ["Third", "Imported"]
    assert soup.select_one(".post-list .p-summary").get_text().strip()


def test_imported_article_credits_and_canonical(make_site):
    out = build(make_site(SITE))
    soup = BeautifulSoup((out / "posts/imported/index.html").read_text(), "html.parser")
    assert soup.find("link", rel="canonical")["href"] == "https://blog.example/imported/"
    entry = soup.select_one(".h-entry")
    assert entry.select_one(".p-name").get_text() == "Imported"
    assert entry.select_one(".p-author").get_text() == "Ann"
    assert entry.select_one(".dt-published")["datetime"] == "2024-04-01T00:00:00+00:00"
    assert entry.select_one(".u-url")["href"] == "https://blog.example/imported/"
    assert entry.select_one(".e-content").get_text().strip() == "Hello."
    assert "Read the original article on blog.example" in soup.get_text()


def test_code_keeps_language_class(make_site):
    out = build(make_site(SITE))
    soup = BeautifulSoup((out / "posts/third/index.html").read_text(), "html.parser")
    assert soup.select_one(".e-content code.language-python").get_text() == "\tx = 1\n"


def test_two_builds_are_byte_identical(make_site, tmp_path):
    root = make_site(SITE)
    first = tree(build(root, out_dir=tmp_path / "one"))
    second = tree(build(root, out_dir=tmp_path / "two"))
    assert first == second and len(first) > 20


def test_second_build_writes_nothing(make_site):
    root = make_site(SITE)
    out = build(root)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    report = build_site(load_site_config(root), BuildOptions(now=NOW))
    assert report.published.written == 0 and report.published.removed == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


def test_changed_post_rewrites_only_what_changed(make_site):
    root = make_site(SITE)
    out = build(root)
    untouched = out / "posts/first/index.html"
    mtime = untouched.stat().st_mtime_ns
    (root / "content/posts/c.md").write_text(post("Third", "2025-01-01", body="New body.\n"))
    build(root)
    assert "New body." in (out / "posts/third/index.html").read_text()
    assert untouched.stat().st_mtime_ns == mtime


def test_deleted_post_disappears(make_site):
    root = make_site(SITE)
    out = build(root)
    (root / "content/posts/a.md").unlink()
    build(root)
    assert not (out / "posts/first").exists()


def test_bad_content_leaves_previous_output_untouched(make_site):
    root = make_site(SITE)
    out = build(root)
    before = tree(out)
    (root / "content/posts/broken.md").write_text("---\ntitle: [unclosed\ndate: 2024-01-01\n---\n")
    (root / "content/posts/notitle.md").write_text("---\ndate: 2024-01-01\n---\n")
    with pytest.raises(ContentErrors) as info:
        build(root)
    assert len(info.value.errors) == 2
    assert tree(out) == before


HOSTILE = ["../../etc/passwd", "con", "aux", "x" * 300, "😀 party 🎉", "שלום עולם", "Same Title", "SAME TITLE", "<script>alert(1)</script>"]


def test_hostile_titles_give_safe_distinct_paths(make_site):
    files = {f"content/posts/h{i}.md": post(f'"{t}"', f"2024-01-{i + 1:02d}") for i, t in enumerate(HOSTILE)}
    root = make_site(files)
    out = build(root)
    post_dirs = sorted(p.parent.name for p in (out / "posts").glob("*/index.html"))
    assert len(post_dirs) == len(HOSTILE) == len(set(post_dirs))
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
        assert len(path.name) <= 100
    page = next((out / "posts").glob("script-alert-1-script/index.html")).read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# ---------------------------------------------------------------- arbitrary text: an error or a site, never a traceback


TEXT_FIELDS = ("title", "author", "summary", "slug", "image", "source", "platform", "original_url", "guid", "extra_key")
# Code points a front matter rarely has and a renderer stumbles on: surrogates (written as
# escapes, as json.dumps does), C0/C1 controls, bidi overrides, non-characters, emoji.
AWKWARD = st.sampled_from(["\ud83d", "\ude80", "\ud800", "\x00", "\x01", "\x0c", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff", "\ufffe", "\uffff", "\U0001F680", "<", "&", "]]>"])
TEXT = st.lists(st.one_of(AWKWARD, st.characters()), max_size=12).map("".join)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar; json.dumps escapes surrogates and controls as \\uXXXX."""
    import json

    return json.dumps(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from([*TEXT_FIELDS, "tags", "body"]), text=TEXT)
def test_arbitrary_text_in_front_matter_and_body_builds_or_is_a_content_error(make_site, field, text):
    values = dict.fromkeys(TEXT_FIELDS, "plain") | {"original_url": "https://example.org/a"} | ({field: text} if field in TEXT_FIELDS else {})
    lines = [f"title: {_quoted('T ' + values['title'])}", "date: 2024-01-01"]
    lines += [f"{k}: {_quoted(v)}" for k, v in values.items() if k not in ("title", "extra_key")]
    lines += [f"tags: [{_quoted(text) if field == 'tags' else 'a'}, b]", f"x: {_quoted(values['extra_key'])}"]
    body = text if field == "body" else "Hello."
    raw_body = body.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # the file itself is UTF-8
    root = make_site({"site.toml": 'title = "T"\n', "content/posts/a.md": "---\n" + "\n".join(lines) + "\n---\n" + raw_body + "\n"})
    out = root / "public"
    try:
        build_site(load_site_config(root), BuildOptions(now=NOW, cache=False, out_dir=out))
    except GeneratorError as exc:
        message = str(exc)
        assert re.match(r"(content/)?posts/a\.md:\d+: bad '", message) and "\n" not in message
        return
    from xml.dom import minidom

    for name in ("feed.xml", "atom.xml", "sitemap.xml"):
        minidom.parse(str(out / name))  # well-formed XML: no control character got through
    for page in out.rglob("*.html"):
        page.read_bytes().decode("utf-8")


def test_search_shards_go_to_disk_as_they_are_made_not_held(make_site, monkeypatch):
    import generator.pipeline as pipeline
    from generator.models import OutputFile
    from generator.site.publish import StagedFile

    seen = []
    real = pipeline.publish
    monkeypatch.setattr(pipeline, "publish", lambda files, *a, **k: seen.extend(files) or real(files, *a, **k))
    out = build(make_site(SITE), clean=True)
    shards = [f for f in seen if f.path.startswith("search/shards/")]
    assert shards and all(isinstance(f, StagedFile) and not isinstance(f, OutputFile) for f in shards)
    for f in shards:  # on disk, whole, under the name its bytes give it
        data = (out / f.path).read_bytes()
        assert json.loads(data) and f.sha == hashlib.sha1(data).hexdigest() and hashlib.sha256(data).hexdigest()[:16] in f.path
