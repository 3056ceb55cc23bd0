"""Stage work on all cores: Markdown for many posts, and many pages at once.

Below a threshold one process is faster than starting a pool, so small builds (and the
tests) run in-process. Markdown chunks go to a process pool; page rendering uses forked
workers that inherit the renderer and the pages, because pickling thousands of page
contexts would cost more than rendering them.
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping, NamedTuple, TypeVar

from generator.errors import ContentError
from generator.incremental.digests import sha1
from generator.models import Article, OutputFile, Page, Rendered

if TYPE_CHECKING:
    from generator.site.publish import StagedFile
    from generator.site.render import Renderer

__all__ = ["Progress", "RenderedPage", "render_articles", "map_chunks", "iter_chunks", "worker_count", "parse_render_chunk", "scanned_bytes", "render_many"]

Progress = Callable[[int], None]  # advance a progress bar by n items
POOL_THRESHOLD = 64  # fewer posts to render than this: one process is faster than starting a pool


def render_articles(
    articles: list[Article], workers: int | None = 1, progress: Progress | None = None, known: Mapping[str, str] | None = None
) -> list[Rendered]:
    """Markdown -> HTML for every article: one shared renderer, or a pool of processes for
    many. ``known``: highlighted code blocks from earlier renders (see ``markup``)."""
    texts = [(a.body, a.imported) for a in articles]
    results = map_chunks(partial(render_chunk, known=known or {}), texts, workers, progress)
    return [Rendered(html, toc, blocks) for html, toc, blocks in results]


Item = TypeVar("Item")
Result = TypeVar("Result")
Rendering = tuple[str, list[dict[str, Any]], tuple[tuple[str, int, int], ...]]  # html, toc, blocks: Rendered through a pipe
Parsed = tuple[Any, ...]  # ("ok", article, rendered, minutes, search text, front matter JSON) or ("error", message, line)


def map_chunks(fn: Callable[[list[Item]], list[Result]], items: list[Item], workers: int | None, progress: Progress | None) -> list[Result]:
    """``fn`` over chunks of ``items``, in order: in this process, or a pool when there are many."""
    return list(iter_chunks(fn, items, workers, progress))


def iter_chunks(fn: Callable[[list[Item]], list[Result]], items: list[Item], workers: int | None, progress: Progress | None) -> Iterator[Result]:
    """``map_chunks`` one result at a time, as each chunk comes back: the caller can store
    and drop each (a clean build's HTML, 20 KB a post) instead of holding them all."""
    jobs = worker_count(len(items), workers)
    chunk = max(8, min(64, len(items) // (jobs * 8))) if jobs > 1 else max(1, len(items))
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if jobs <= 1:
        for part in chunks:
            yield from fn(part)
            if progress:
                progress(len(part))
        return
    # Forking a process that runs other threads (serve: watcher, HTTP) can copy a lock
    # some thread holds and deadlock the child; start workers from a clean server then.
    context = _mp().get_context("forkserver" if threading.active_count() > 1 else None)
    give_back_free_memory()  # what this process freed (the scan's bytes) is not copied into each worker
    with _pool_class()(jobs, mp_context=context) as pool:
        for part, done in zip(chunks, pool.map(fn, chunks), strict=True):
            yield from done
            if progress:
                progress(len(part))


def _mp() -> ModuleType:
    """multiprocessing, imported when a pool is first needed (a no-op or quick build never is)."""
    import multiprocessing

    return multiprocessing


def _pool_class() -> type:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor


def worker_count(items: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if items >= POOL_THRESHOLD else 1


def render_chunk(texts: list[tuple[str, bool]], known: Mapping[str, str]) -> list[Rendering]:
    """In a worker process: one renderer for the whole chunk (building it costs as much as a post).
    ``texts``: each post's Markdown, and whether it is an imported (untrusted) article."""
    from generator.site.markup import MarkdownRenderer

    renderer = MarkdownRenderer(known)
    return [(r.html, r.toc, r.blocks) for r in (renderer.render(body, untrusted=imported) for body, imported in texts)]


def parse_render_chunk(files: list[tuple[str, str, str, str]]) -> list[Parsed]:
    """In a worker process: parse new files and render them (drafts too: the cache keeps them).

    ``files``: (path relative to content/, absolute path, the sha1 the scan found, time
    zone). The worker reads each file itself, so that no file's bytes are held by the
    main process or pass through a pipe (100 MB at 20,000 posts); a file whose bytes
    are no longer those the scan hashed changed during the build, and is an error.
    Errors come back as plain tuples, because a ContentError does not survive pickling.
    """
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from generator.content.read import body_of_bytes, parse_article_bytes
    from generator.incremental.frontmatter import article_to_json
    from generator.site.assemble import reading_time
    from generator.site.crosspost import declared_urls
    from generator.site.markup import MarkdownRenderer
    from generator.site.search import article_text_fields

    renderer = MarkdownRenderer()
    out: list[Parsed] = []
    for rel, file, sha, zone in files:
        try:
            data = scanned_bytes(rel, file, sha)
            article = parse_article_bytes(data, rel, ZoneInfo(zone))
        except ContentError as exc:
            out.append(("error", exc.message, exc.line))
            continue
        result = renderer.render(article.body, untrusted=article.imported)
        words = article_text_fields(result.html, article)  # the search index's costly part, on all cores too
        # The cache's JSON of the front matter is made here too; the Markdown itself stays
        # here (rendered, it is not needed again): 30 MB less through the pipes at 5,000 posts.
        meta = article_to_json(article)
        # what crosspost.py reads of every body, made here, where the body is: the main
        # process would read each file again for it (loading.detect_crossposts)
        declared = declared_urls(body_of_bytes(data), article.original_url)
        out.append(("ok", replace(article, body=""), result, reading_time(result.html), words, meta, declared))
    return out


CHANGED_DURING_BUILD = "changed while the build was reading it: build again"


def scanned_bytes(rel: str, file: str, sha: str) -> bytes:
    """A content file's bytes, as the scan hashed them (a ContentError if they are not:
    its parsed article would be cached under the sha1 of other bytes)."""
    try:
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ContentError(rel, f"{CHANGED_DURING_BUILD} ({exc.strerror})") from None
    if sha1(data) != sha:
        raise ContentError(rel, CHANGED_DURING_BUILD)
    return data


PAGE_POOL_THRESHOLD = 600  # fewer pages than this: forking workers costs more than it saves
_FORKED: tuple[Renderer, list[Page], Path | None, Callable[[Page, frozenset[int]], str | None] | None] | None = None  # handed to forked page workers; set only during a pool



class RenderedPage(NamedTuple):
    """One page as ``render_many`` made it."""

    file: OutputFile | StagedFile  # StagedFile: written to the staging folder by a worker
    reads: frozenset[int]  # ids of the posts it read in full (``Renderer.reads``)
    digest: str | None  # its digest (``PageMemo.digest``), when asked for


def render_many(
    renderer: Renderer,
    pages: list[Page],
    progress: Progress | None,
    staging: Path | None = None,
    digest: Callable[[Page, frozenset[int]], str | None] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[RenderedPage]:
    """Render pages in order, each with what it read (``Renderer.reads``) and, with
    ``digest``, the page's digest made from those reads; many pages on all cores, by forked
    workers that inherit the renderer and the pages (pickling 6,000 contexts would cost
    more than rendering them).

    With ``staging`` (see ``publish.Staging``), workers write their pages there and send
    back only path and sha1: 140 MB of pages at 5,000 posts never pass through a pipe
    nor sit in this process's memory. ``meanwhile`` is this process's own work (feeds,
    the search index): it runs while the workers render, or after the pages without them.
    """
    global _FORKED
    jobs = worker_count(len(pages), None) if len(pages) >= PAGE_POOL_THRESHOLD else 1
    if jobs <= 1 or threading.active_count() > 1 or "fork" not in _mp().get_all_start_methods():
        result: list[RenderedPage] = []
        for page in pages:
            file = renderer.render(page)
            result.append(RenderedPage(file, renderer.reads, digest(page, renderer.reads) if digest else None))
            if progress:
                progress(1)
        if meanwhile:
            meanwhile()
        return result
    step = max(50, len(pages) // (jobs * 8))
    starts = range(0, len(pages), step)
    _FORKED = (renderer, pages, staging, digest)
    renderer.preload()
    give_back_free_memory()
    # Frozen objects are left alone by the workers' garbage collector, which would
    # otherwise walk (and so copy, page by page) the whole heap they share with us.
    gc.freeze()
    try:
        with _pool_class()(jobs, mp_context=_mp().get_context("fork")) as pool:
            chunks = pool.map(render_page_range, starts, [step] * len(starts))  # handed out now
            if meanwhile:
                meanwhile()
            result = []
            for chunk in chunks:
                result += chunk
                if progress:
                    progress(len(chunk))
            return result
    finally:
        gc.unfreeze()
        _FORKED = None


def give_back_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; elsewhere
    nothing). A forked worker's resident set starts as its parent's, so memory this
    process freed but still holds (the content files' bytes, 100 MB at 20,000 posts)
    would count again in every page worker."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError, TypeError):  # not glibc; TypeError: no CDLL(None) on Windows
        pass


def render_page_range(start: int, count: int) -> list[RenderedPage]:
    """In a forked worker: render ``count`` pages, staged on disk when there is a staging
    folder. The ids in ``reads`` are the parent's too: a forked child shares its objects."""
    from generator.site.publish import write_staged

    assert _FORKED is not None, "render_page_range runs only in a worker forked by render_many"
    renderer, pages, staging, digest = _FORKED
    out = []
    for page in pages[start : start + count]:
        file = renderer.render(page)
        reads = renderer.reads
        out.append(RenderedPage(write_staged(staging, file.path, file.data) if staging else file, reads, digest(page, reads) if digest else None))
    return out
