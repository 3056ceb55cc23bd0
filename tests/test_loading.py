"""loading.py: a clean build's pool results go to the cache as they come back, kept once."""

from __future__ import annotations

from collections import Counter

from conftest import post

from generator.config import load_site_config
from generator.incremental import cache as cachelib
from generator.incremental.loading import read_content, scan_content
from generator.pipeline import BuildOptions, build_site
from generator.site.markup import MarkdownRenderer

POSTS = 70  # over parallel.POOL_THRESHOLD: parsed and rendered by a pool


def _site(make_site):
    files = {"site.toml": 'title = "T"\nbase_url = "https://example.org/"\n'}
    for i in range(POSTS):
        files[f"content/posts/p{i:03d}.md"] = post(f"Post {i}", date=f"2024-01-{i % 28 + 1:02d}", body=f"## Part {i}\n\nText {i}.\n\n```python\nx = {i}\n```\n")
    return load_site_config(make_site(files))


def test_pool_results_are_stored_and_only_handles_kept(make_site, tmp_path):
    site = _site(make_site)
    cache = cachelib.BuildCache.open(tmp_path / "cache", clean=True)
    rows = scan_content(site, cache)
    sources = read_content(site, cache, rows, workers=2)
    assert len(sources.fresh) == POSTS and sources.stored == set(sources.fresh)
    assert not sources.search and not sources.meta  # in the pack already, not in memory
    for rel, known in sources.fresh.items():
        assert isinstance(known.rendered, cachelib.StoredRendered), rel  # no HTML held
        article = next(a for a in sources.articles if a.path == rel)
        assert known.rendered.html == MarkdownRenderer().render((site.path("content") / rel).read_text().split("---\n", 2)[2]).html
        assert article.body == ""


def test_a_clean_build_puts_each_article_once(make_site, monkeypatch):
    site = _site(make_site)
    puts: Counter[str] = Counter()
    real = cachelib.BuildCache.put
    monkeypatch.setattr(cachelib.BuildCache, "put", lambda self, digest, *a, **k: puts.update([digest]) or real(self, digest, *a, **k))
    report = build_site(site, BuildOptions(clean=True, workers=2))
    assert report.rendered == POSTS
    assert len(puts) == POSTS and set(puts.values()) == {1}
    again = build_site(site, BuildOptions())  # and the next build finds them all
    assert again.noop


def test_what_each_body_declares_as_its_original_is_made_by_the_pool(make_site, tmp_path):
    from generator.content import read_body
    from generator.incremental.loading import crosspost_version
    from generator.site.crosspost import declared_urls

    files = {"site.toml": 'title = "T"\nbase_url = "https://example.org/"\n'}
    for i in range(POSTS):
        note = f"Text.\n\nThis was originally published on [my blog](https://blog.example/p{i}/).\n" if i % 3 else "Plain text.\n"
        text = post(f"Post {i}", date=f"2024-01-{i % 28 + 1:02d}", body=note)
        files[f"content/posts/p{i:03d}.md"] = text.replace("\n", "\r\n") if i % 2 else text  # CRLF files too
    root = make_site({k: v for k, v in files.items()})
    for rel, text in files.items():  # write_text would translate; keep the CRLFs as bytes
        (root / rel).write_bytes(text.encode())
    site = load_site_config(root)
    cache = cachelib.BuildCache.open(tmp_path / "cache", clean=True)
    sources = read_content(site, cache, scan_content(site, cache), workers=2)
    found = 0
    for article in sources.articles:
        expected = list(declared_urls(read_body(site.path("content") / article.path), article.original_url))
        kept = cache.declared(sources.shas[article.path], crosspost_version(), lambda: ["computed again"])
        assert kept == expected, article.path
        found += bool(kept)
    assert found == POSTS - (POSTS + 2) // 3
