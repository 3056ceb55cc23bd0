"""loading.py: a clean build's pool results go to the cache as they come back, kept once."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import post

from generator.config import load_site_config
from generator.errors import ContentErrors
from generator.incremental import cache as cachelib
from generator.incremental import parallel
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


def test_the_pool_is_sent_paths_and_the_bytes_are_not_held(make_site, tmp_path, monkeypatch):
    """Each worker reads its own files: no file's bytes are held by this process or sent
    through a pipe (100 MB at 20,000 posts), and the rows the build passes hold none."""
    site = _site(make_site)
    cache = cachelib.BuildCache.open(tmp_path / "cache", clean=True)
    sent: list[object] = []
    real = parallel.iter_chunks
    monkeypatch.setattr(parallel, "iter_chunks", lambda fn, items, *a: sent.extend(items) or real(fn, items, *a))
    rows = [row._replace(data=None) for row in scan_content(site, cache)]  # as pipeline._load passes them
    sources = read_content(site, cache, rows, workers=2)
    assert len(sent) == POSTS and len(sources.articles) == POSTS
    assert not any(isinstance(value, bytes) for job in sent for value in job)  # type: ignore[attr-defined]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_changed_after_the_scan_is_an_error_naming_it(make_site, tmp_path, workers):
    """Its article would be cached under the sha1 of the bytes the scan read."""
    site = _site(make_site)
    cache = cachelib.BuildCache.open(tmp_path / "cache", clean=True)
    rows = [row._replace(data=None) for row in scan_content(site, cache)]
    changed = site.path("content") / "posts/p007.md"
    changed.write_text(changed.read_text() + "\nMore.\n")
    with pytest.raises(ContentErrors) as caught:
        read_content(site, cache, rows, workers=workers)
    assert [(e.path, e.message) for e in caught.value.errors] == [("content/posts/p007.md", parallel.CHANGED_DURING_BUILD)]


def test_freed_memory_is_given_back_before_the_pool_forks(monkeypatch):
    """A forked worker's resident set starts as this process's: the scan's freed bytes
    (100 MB at 20,000 posts) would count again in each worker."""
    order: list[str] = []
    monkeypatch.setattr(parallel, "give_back_free_memory", lambda: order.append("trim"))
    real = parallel._pool_class
    monkeypatch.setattr(parallel, "_pool_class", lambda: order.append("pool") or real())
    assert parallel.map_chunks(_double, list(range(100)), 2, None) == [2 * n for n in range(100)]
    assert order == ["trim", "pool"]


def _double(numbers: list[int]) -> list[int]:
    return [2 * n for n in numbers]
