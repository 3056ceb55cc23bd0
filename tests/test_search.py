"""search.py: the build-time search index (a manifest and shards) and page, from real built sites."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import post
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.site import search
from generator.site.render import Renderer
from generator.site.search import MAX_SHARDS, MAX_TEXT, POSTS_PER_SHARD, manifest_file, plain_text, shard_count

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
LONG = " ".join(f"word{i}" for i in range(2000)) + " zebrafinch\n"
SITE = {
    "site.toml": 'title = "S"\nbase_url = "https://example.org/blog/"\n',
    "feeds/f.toml": '[[feed]]\nname = "feedx"\ntitle = "Feed X"\nurl = "https://x.example/feed"\n',
    "content/posts/a.md": post("Old <one> & co", "2024-01-01", body="Body with a &lt; b and `code` here[^n].\n\n[^n]: Note.\n", tags="[py]"),
    "content/posts/b.md": post("Long one", "2024-02-01", body=LONG),
    "content/feedx/c.md": post("Imported", "2024-03-01", source="feedx", platform="ghost", original_url="https://x.example/c", guid="c"),
}


def _big_site(n: int) -> dict[str, str]:
    """``n`` small posts, many sharing a day (so the slug breaks ties, "post-1" before
    "post-10"), one before 1970 and two on one day at different hours."""
    files = {"site.toml": 'title = "Big"\nbase_url = "https://example.org/b/"\n'}
    for i in range(n - 3):
        files[f"content/posts/p{i:03d}.md"] = post(f"Post {i}", f"2024-{1 + i % 12:02d}-{1 + i % 5:02d}", body=f"Body of post {i}, word{i}.\n")
    files["content/posts/old.md"] = post("Older than the epoch", "1965-07-04")
    files["content/posts/morning.md"] = post("Aa morning", '"2024-05-02T08:00:00+00:00"')
    files["content/posts/evening.md"] = post("Zz evening", '"2024-05-02T20:00:00+00:00"')
    return files


def _build(root: Path) -> Path:
    build_site(load_site_config(root), BuildOptions(now=NOW))
    return root / "public"


def _manifest(out: Path) -> dict:
    return json.loads((out / "search-index.json").read_text(encoding="utf-8"))


def _shards(out: Path) -> dict[str, bytes]:
    """Every shard file in the output, by name."""
    return {p.name: p.read_bytes() for p in (out / "search/shards").iterdir()}


def _merged(out: Path, base: str) -> list[dict]:
    """What search.js does: every shard the manifest lists, merged by the entries' order key."""
    entries = []
    for url in _manifest(out)["shards"]:
        assert url.startswith(base + "search/shards/")
        entries += json.loads((out / url[len(base):]).read_text(encoding="utf-8"))
    return sorted(entries, key=lambda e: e["o"])


def _index(make_site):
    out = _build(make_site(SITE))
    return _merged(out, "/blog/"), out


def test_index_lists_every_post_newest_first_with_metadata(make_site):
    index, out = _index(make_site)
    assert [e["t"] for e in index] == ["Imported", "Long one", "Old <one> & co"]
    imported, _, old = index
    assert imported["u"] == "/blog/posts/imported/" and imported["s"] == "Feed X (Ghost)"
    assert imported["d"] == "1 March 2024" and old["s"] == ""
    assert old["x"] == "Body with a < b and code here. Note."  # footnote marks left out, notes kept
    assert "py" in old["k"]
    page = (out / "search/index.html").read_text()
    assert 'data-index="/blog/search-index.json"' in page and "/blog/archive/" in page


def test_long_articles_keep_every_word_but_not_every_character(make_site):
    index, _ = _index(make_site)
    long = index[1]
    assert len(long["x"]) <= MAX_TEXT and long["x"].startswith("word0 word1 ")
    assert "zebrafinch" not in long["x"] and "zebrafinch" in long["k"].split()
    assert "word1999" in long["k"].split() and "word1" not in long["k"].split()


def test_index_is_deterministic(make_site, tmp_path):
    _, out = _index(make_site)
    manifest, shards = (out / "search-index.json").read_bytes(), _shards(out)
    _build(out.parent)
    assert (out / "search-index.json").read_bytes() == manifest and _shards(out) == shards
    again = _build(make_site(SITE, name="again"))  # a fresh copy, no build cache
    assert (again / "search-index.json").read_bytes() == manifest and _shards(again) == shards


@pytest.mark.parametrize(
    ("posts", "count"),
    [(0, 1), (1, 1), (250, 1), (251, 2), (500, 2), (501, 4), (1000, 4), (1001, 8), (5000, 32), (16000, 64), (16001, 64), (10**6, 64)],
)
def test_shard_count_keeps_about_250_posts_per_shard_up_to_64_shards(posts, count):
    assert POSTS_PER_SHARD == 250 and MAX_SHARDS == 64
    assert shard_count(posts) == count


def test_a_small_site_has_one_shard_and_the_manifest_lists_it(make_site):
    _, out = _index(make_site)
    manifest, shards = _manifest(out), _shards(out)
    assert manifest == {"version": 2, "count": 3, "shards": [f"/blog/search/shards/{name}" for name in shards]}
    assert len(shards) == 1 and re.fullmatch(r"[0-9a-f]{16}\.json", next(iter(shards)))


def test_a_big_site_merges_every_post_once_in_the_sites_order(make_site):
    out = _build(make_site(_big_site(POSTS_PER_SHARD + 10)))
    manifest, shards = _manifest(out), _shards(out)
    assert manifest["count"] == POSTS_PER_SHARD + 10 and len(manifest["shards"]) == len(shards) == 2
    assert sorted(manifest["shards"]) == sorted(f"/b/search/shards/{name}" for name in shards)
    for data in shards.values():  # each shard newest first, and about half the posts
        entries = json.loads(data)
        assert [e["o"] for e in entries] == sorted(e["o"] for e in entries) and 80 < len(entries) < 180
    merged = _merged(out, "/b/")
    archive = re.findall(r'<a href="(/b/posts/[^"]+)">', (out / "archive/index.html").read_text(encoding="utf-8"))
    assert [e["u"] for e in merged] == archive and len(set(archive)) == POSTS_PER_SHARD + 10
    urls = [e["u"] for e in merged]
    assert urls.index("/b/posts/zz-evening/") < urls.index("/b/posts/aa-morning/") and urls[-1] == "/b/posts/older-than-the-epoch/"
    assert urls.index("/b/posts/post-1/") < urls.index("/b/posts/post-121/")  # same day, slug order


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> tuple[set[str], set[str]]:
    return set(before) - set(after), set(after) - set(before)


def test_editing_or_adding_one_post_changes_exactly_one_shard(make_site):
    root = make_site(_big_site(POSTS_PER_SHARD + 10))
    first = _shards(_build(root))
    (root / "content/posts/p007.md").write_text(post("Post 7", "2024-08-03", body="A new body, with the word axolotl.\n"), encoding="utf-8")
    edited = _shards(_build(root))
    gone, new = _changed(first, edited)
    assert len(gone) == len(new) == 1 and len(edited) == 2
    assert b"axolotl" in edited[new.pop()] and b"axolotl" not in b"".join(first.values())
    (root / "content/posts/new.md").write_text(post("A brand new post", "2025-05-01"), encoding="utf-8")
    added = _shards(_build(root))
    gone, new = _changed(edited, added)
    assert len(gone) == len(new) == 1 and len(added) == 2
    assert b"A brand new post" in added[new.pop()]
    kept = (set(added) & set(edited)).pop()
    assert added[kept] == edited[kept] and _manifest(root / "public")["count"] == POSTS_PER_SHARD + 11


def test_manifest_takes_anything_with_a_path_and_honours_the_base_path(make_site):
    out = _build(make_site(_big_site(POSTS_PER_SHARD + 10)))
    site = load_site_config(out.parent)
    renderer = Renderer(site, site.path("templates"), {})
    names = [url.rsplit("/", 1)[1] for url in _manifest(out)["shards"]]
    kept = [SimpleNamespace(path=f"search/shards/{n}", sha="unused") for n in names]
    made = manifest_file(kept, POSTS_PER_SHARD + 10, renderer)
    assert made.path == "search-index.json" and made.data == (out / "search-index.json").read_bytes()


def test_plain_text_strips_markup_and_unescapes():
    assert plain_text("<h2>Title</h2><p>a &amp; b<br>c</p><script>x()</script><pre><code>y = 1</code></pre>") == "Title a & b c y = 1"


def _reference_text_fields(body: str, tags: list[str]) -> tuple[str, str]:
    """search.text_fields as first written (re.sub for whitespace, words lowercased one by one)."""
    import html as htmllib
    import re

    text = search._HIGHLIGHT_SPAN.sub("", body)
    text = search._FOOTNOTE_MARKS.sub("", search._DROP.sub(" ", text))
    text = search._BLOCK_END.sub(" ", text)
    text = re.sub(r"\s+", " ", htmllib.unescape(search._TAG.sub("", text))).strip()
    head, rest = text[: search.MAX_TEXT], text[search.MAX_TEXT :]
    if rest:
        head, _, tail = head.rpartition(" ")
        rest = tail + rest
    known = {w.lower() for w in re.findall(r"\w+", head)}
    extra = {w.lower() for w in re.findall(r"\w+", rest + " " + " ".join(tags))} - known
    return head, " ".join(sorted(extra))


_TEXT_PIECES = ["word ", "Word", "İstanbul", "STRASSE", "ß", "ǅ", "\u00a0", "\u2003", "\x1c", "\t", "\n\n", "  ", "<p>", "</p>", "<br>", "&amp;",
                "&nbsp;", '<span class="k">', "</span>", "<pre>", "</pre>", "x" * 40, "é", "naïve", "_under_", "42",
                "a-b", "x.y(z)", "'q'", "\x7f", "\x0b", "\x1f", "+=", "C#", "~`^|@$%"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TEXT_PIECES), max_size=400).map("".join), st.lists(st.sampled_from(["Python", "İ", "web", "ß"]), max_size=3))
def test_text_fields_are_what_the_first_implementation_made(body, tags):
    assert search.text_fields(body, tags) == _reference_text_fields(body, tags)


_HOSTILE = st.lists(st.sampled_from(['},{"d":', '{"d":', ",", '"', "\\", "{", "}", "[", "]", "é", "\u2028", "a", " ", "<p>", "&quot;"]), max_size=12).map("".join)


def _post_with(title: str, text: str, summary: str, n: int):
    from generator.models import Article, Rendered
    from generator.site.assemble import Post

    article = Article(title=title, date=datetime(2024, 1, 1 + n, tzinfo=timezone.utc), body="", path=f"posts/p{n}.md")
    return Post(article=article, slug=f"p{n}", rendered=Rendered(f"<p>{text}</p>"), summary=summary, reading_time=1, tags=())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_HOSTILE, _HOSTILE, _HOSTILE), min_size=1, max_size=5), st.data())
def test_a_shards_entries_split_and_join_back_and_one_replaced_is_a_shard_made_afresh(items, data):
    """What the quick path does to a shard: an edited post's entry replaced, the others
    kept byte for byte, gives the bytes a shard made from every post would have."""
    renderer = SimpleNamespace(url=lambda path: "/blog" + path, human_date=lambda d: d.date().isoformat())
    posts = [_post_with(title, text, summary, n) for n, (title, text, summary) in enumerate(items)]
    shard = search.search_index(posts, renderer)
    entries = search.shard_entries(shard)
    assert entries is not None and len(entries) == len(posts) and search.join_entries(entries) == shard
    assert [json.loads(e) for e in entries] == json.loads(shard)
    k = data.draw(st.integers(0, len(posts) - 1))
    edited = _post_with(*data.draw(st.tuples(_HOSTILE, _HOSTILE, _HOSTILE)), k)
    entries[k] = search.entry_bytes(edited, renderer, search.post_text_fields(edited))
    assert search.join_entries(entries) == search.search_index([*posts[:k], edited, *posts[k + 1 :]], renderer)


def test_what_is_not_a_shard_has_no_entries():
    for data in (b"", b"[]", b"{}", b'[{"t":"x"}]', b'[{"d":"x"}'):
        assert search.shard_entries(data) is None


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=200))
def test_the_words_of_ascii_text_are_what_a_word_pattern_finds(text):
    assert search._lower_words(text) == {w.lower() for w in re.findall(r"\w+", text)}
