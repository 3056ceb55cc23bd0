"""search.py: the build-time search index and page, from real built sites."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from conftest import post

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.search import MAX_TEXT, plain_text

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
LONG = " ".join(f"word{i}" for i in range(2000)) + " zebrafinch\n"
SITE = {
    "site.toml": 'title = "S"\nbase_url = "https://example.org/blog/"\n',
    "feeds/f.toml": '[[feed]]\nname = "feedx"\ntitle = "Feed X"\nurl = "https://x.example/feed"\n',
    "content/posts/a.md": post("Old <one> & co", "2024-01-01", body="Body with a &lt; b and `code` here[^n].\n\n[^n]: Note.\n", tags="[py]"),
    "content/posts/b.md": post("Long one", "2024-02-01", body=LONG),
    "content/feedx/c.md": post("Imported", "2024-03-01", source="feedx", platform="ghost", original_url="https://x.example/c", guid="c"),
}


def _index(make_site):
    root = make_site(SITE)
    build_site(load_site_config(root), BuildOptions(now=NOW))
    out = root / "public"
    return json.loads((out / "search-index.json").read_text(encoding="utf-8")), out


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


def test_index_is_deterministic(make_site):
    first, out = _index(make_site)
    data = (out / "search-index.json").read_bytes()
    build_site(load_site_config(out.parent), BuildOptions(now=NOW))
    assert (out / "search-index.json").read_bytes() == data


def test_plain_text_strips_markup_and_unescapes():
    assert plain_text("<h2>Title</h2><p>a &amp; b<br>c</p><script>x()</script><pre><code>y = 1</code></pre>") == "Title a & b c y = 1"
