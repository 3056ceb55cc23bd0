"""The quick path: a build where only the text of a few posts changed.

An author's commonest change is to the body of a post: a sentence added, a typo fixed.
Then only a few outputs can change: the post's own page, and the search shard that
holds its words. This module proves, from what the last build recorded in its
manifest, that nothing else can have changed, and then makes just those outputs,
reading only the posts they show rather than all of them.

It applies when every one of these holds (otherwise the normal incremental build runs,
and nothing here has written anything):

- config, code, templates, static files, feeds and options are as last time
  (``manifest.inputs``), and so is the set of content files; the manifest was made from
  the files as the cache last saw them (its ``signature``), and the clock is inside its
  publish window (``window.py``), so the same posts are published;
- at most :data:`MAX_CHANGED` files changed, each still parses, and its front matter is
  exactly as before (so its title, date, tags, slug and summary field are too);
- its reading time and automatic summary came out as before, so every listing shows it
  as before; its listing key is checked against the manifest's, as are the full keys
  of every post remade here from the cache (a remade post that differs in anything a
  template can see from the last build's is refused);
- no feed shows it, no page but its own read its HTML, every output is on disk as the
  last build left it;
- it took no part in cross-post detection (``manifest.crossposts``: it shares a title
  with another feed's article, or names or is named as an original) and its new text
  names no original, so what ``crosspost.py`` merges cannot have changed.

How the site spells tags and which posts neighbour which come from the manifest
(``tag_names``, each listing row's ``group``): no post is read but the edited ones and
their neighbours. A search shard is remade from the last build's file (checked by its
sha1): the edited posts' entries made again, every other entry kept byte for byte.

The outputs it makes are byte-identical to a clean build's; the property test in
``tests/test_incremental.py`` checks that, with edits that take this path and edits
that do not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast
from zoneinfo import ZoneInfo

from generator.errors import ContentError
from generator.incremental.cache import BuildCache
from generator.incremental.digests import sha1, shard_digest
from generator.incremental.entries import cached_summary
from generator.incremental.frontmatter import article_to_json
from generator.incremental.loading import ContentRow, cached_search_fields
from generator.incremental.manifest import OutputManifest, PageChanges
from generator.incremental.pagememo import PageMemo
from generator.incremental.renderer import make_renderer
from generator.incremental.run import BuildRun, remember_build
from generator.incremental.signature import cache_key, content_signature, inputs_key
from generator.models import Article, OutputFile, Rendered
from generator.site.crosspost import declared_urls
from generator.site.publish import KeptFile, PublishReport, replace_files

if TYPE_CHECKING:
    from generator.site.assemble import Post
    from generator.site.render import Renderer

__all__ = ["MAX_CHANGED", "quick_build"]

log = logging.getLogger(__name__)

MAX_CHANGED = 4  # more changed files than this: the normal build is about as quick


@dataclass
class _Changed:
    """One edited content file, parsed and rendered again."""

    rel: str
    sha: str
    index: int  # its place in the last build's listings (newest first)
    article: Article
    rendered: Rendered
    minutes: int


def quick_build(run: BuildRun) -> bool:
    """Make just what a few body edits change, and fill in ``run.report``; False (having
    written nothing) when the build is not of that kind."""
    cache, manifest = run.cache, run.manifest
    if cache is None or manifest is None:
        return False
    changed = _changed_files(run, cache, manifest)
    if not changed:
        return False
    return _Remake(run, cache, manifest, changed).run()


# ---------------------------------------------------------------- is it a body edit?


def _changed_files(run: BuildRun, cache: BuildCache, manifest: OutputManifest) -> list[_Changed] | Literal[False]:
    """The edited files, when the build is nothing but a few body edits; else None."""
    if not manifest.listings or manifest.inputs != inputs_key(run.site_digest, run.options):
        return _refuse("config, code, theme, feeds or options changed")
    previous = cache.previous_shas()
    if set(previous) != {row.rel for row in run.rows}:
        return _refuse("a content file was added, deleted or renamed")
    if manifest.signature != content_signature(manifest.inputs, ((row.rel, previous[row.rel]) for row in run.rows)):
        return _refuse("the last build into this folder was not of the content the cache last saw")
    if not manifest.window.holds(run.now):  # with the front matter unchanged, the window is the same
        return _refuse("another post is published or withdrawn now")
    edited = [row for row in run.rows if previous[row.rel] != row.sha]
    places = {row.path: i for i, row in enumerate(manifest.listings)}
    if not 1 <= len(edited) <= MAX_CHANGED:
        return _refuse(f"{len(edited)} files changed")
    for rel in (row.rel for row in edited):
        if rel not in places or rel in manifest.in_feeds:
            return _refuse(f"{rel} is not published, or a feed shows it")
        if rel in manifest.crossposts:
            return _refuse(f"{rel} may be a copy of another article (crosspost.py decides from its text)")
    cache.require_key(cache_key(run.site))
    changed = []
    for row in edited:
        item = _reparse(run, cache, row, previous[row.rel], places[row.rel])
        if item is None:
            return _refuse(f"{row.rel}: more than its body changed")
        if declared_urls(item.article.body, item.article.original_url):
            return _refuse(f"{row.rel} now says where it was first published (it may be a copy)")
        changed.append(item)
    if not all(_only_own_page_reads_it(manifest, c) for c in changed):
        return _refuse("a page other than its own shows an edited post in full")
    return changed


def _refuse(reason: str) -> Literal[False]:
    """Log why the quick path is not taken (``-v``); False: not taken."""
    log.debug("quick path not taken: %s", reason)
    return False


def _reparse(run: BuildRun, cache: BuildCache, row: ContentRow, old_sha: str, index: int) -> _Changed | None:
    """Parse and render one edited file; None unless only its body changed."""
    from generator.content import parse_article_bytes
    from generator.site.assemble import plain_summary, reading_time
    from generator.site.markup import MarkdownRenderer

    site = run.site
    old = cache.article(old_sha, row.rel)
    if old is None or old.rendered is None:
        return None
    try:
        article = parse_article_bytes(row.data if row.data is not None else Path(row.file).read_bytes(), row.rel, ZoneInfo(site.timezone))
    except ContentError:
        return None  # the normal build reports it, with every other bad file
    if article_to_json(article) != cache.meta(old_sha):
        return None  # front matter changed: listings may show it differently
    rendered = MarkdownRenderer(cache.highlights(old_sha)).render(article.body, untrusted=article.imported)  # unchanged code: no lexer
    minutes = reading_time(rendered.html)
    if minutes != old.reading_time:
        return None
    if not article.summary and old.summary != (site.summary_length, plain_summary(rendered.html, site.summary_length)):
        return None
    return _Changed(row.rel, row.sha, index, article, rendered, minutes)


def _read_output(out_dir: Path, path: str, sha: str) -> bytes | None:
    """An output file's bytes, when they are those the last build wrote (sha1); else None."""
    try:
        data = (out_dir / path).read_bytes()
    except OSError:
        return None
    return data if sha1(data) == sha else None


def _only_own_page_reads_it(manifest: OutputManifest, item: _Changed) -> bool:
    from generator.site.assemble import post_output

    own = post_output(manifest.listings[item.index].slug)
    readers = manifest.pages_reading(item.rel)
    return readers is not None and all(page == own for page in readers)


# ---------------------------------------------------------------- making what changed


class _Remake:
    """Remakes the edited posts' pages and search shards, and publishes them."""

    def __init__(self, run: BuildRun, cache: BuildCache, manifest: OutputManifest, changed: list[_Changed]):
        self.build, self.site, self.cache, self.manifest = run, run.site, cache, manifest
        self.changed = {c.rel: c for c in changed}
        self.shas = run.shas
        self.posts: dict[int, Post] = {}  # place in the listings -> post, for the few made
        self.names: dict[str, str] = {}
        self.neighbours: list[tuple[int | None, int | None]] = []

    def run(self) -> bool:
        from generator.site import search
        from generator.site.assemble import post_url, reading_neighbours

        if not self.build.outputs_intact():
            return _refuse("an output file was changed by hand")
        made_with = make_renderer(self.site, self.build.page_digest, self.cache.folder)
        if made_with.globals_key != self.manifest.globals_key:
            return _refuse("the assets pages name changed")
        self._load_feeds()
        listing = self.manifest.listings
        count = search.shard_count(len(listing))
        members: dict[int, list[int]] = {n: [] for n in range(count)}
        for i, row in enumerate(listing):
            members[search.shard_of_url(post_url(row.slug), count)].append(i)
        shards = {search.shard_of_url(post_url(listing[item.index].slug), count) for item in self.changed.values()}
        old_shards = self._old_shards(members)
        if old_shards is None:
            return _refuse("a search shard is not the last build's")
        self.names = self.manifest.tag_names  # the edits left every post's tags as they were
        self.neighbours = reading_neighbours([row.group for row in listing])
        needed = {i for item in self.changed.values() for i in (item.index, *self.neighbours[item.index]) if i is not None}
        memo = self._make_posts(sorted(needed), made_with.globals_key)
        if memo is None:
            return _refuse("a post made from the cache differs from the last build's")
        self._store_edits()
        pages, notes = self._post_pages(made_with.renderer, memo)
        shard_files = self._shards(made_with.renderer, members, {n: old_shards[n] for n in shards})
        if shard_files is None:
            return _refuse("a search shard is not as the last build wrote it")
        return self._publish(pages, notes, shard_files, memo, made_with.renderer, members, old_shards)

    def _load_feeds(self) -> None:
        from generator.config import load_feed_sources
        from generator.fetching.state import load_state, state_path

        self.feeds = {f.name: f for f in load_feed_sources(self.site.path("feeds"))}
        self.states = load_state(state_path(self.site.path("feeds")))

    def _make_posts(self, places: list[int], globals_key: str) -> PageMemo | None:
        """The posts at these places, made from the cache (or the edit), and a memo whose
        keys must equal the last build's: proof they are the posts it showed."""
        from generator.site.assemble import Post, make_post, make_source

        for i in places:
            rel, slug = self.manifest.listings[i].path, self.manifest.listings[i].slug
            item = self.changed.get(rel)
            if item is not None:
                source = make_source(item.article, self.feeds, self.states)
                post = make_post(self.site, item.article, item.rendered, slug, source, item.minutes, names=self.names)
            else:
                hit = self.cache.article(self.shas[rel], rel)
                if hit is None or hit.rendered is None:
                    return None
                summary = cached_summary(hit.summary, self.site.summary_length)
                if summary is None and not hit.article.summary:
                    return None  # its summary would need its HTML: not worth it here
                post = make_post(self.site, hit.article, hit.rendered, slug, make_source(hit.article, self.feeds, self.states), hit.reading_time, summary, self.names)
            self.posts[i] = post
        memo = PageMemo(globals_key, [self.posts[i] for i in places], self.shas, Post)
        for i, row in zip(places, memo.listings(), strict=True):
            before = self.manifest.listings[i]
            if (row.path, row.listing_key, row.slug) != (before.path, before.listing_key, before.slug):
                return None
            if before.path not in self.changed and row.full_key != before.full_key:
                return None
        return memo

    def _store_edits(self) -> None:
        """Cache the edited posts now, so their search text is cached beside them. (Only
        appended to the pack: until the index is saved, no later build sees them.)"""
        for item in self.changed.values():
            self.cache.put(item.sha, item.article, item.rendered, item.minutes)
            if not item.article.summary:
                self.cache.remember_summary(item.sha, self.site.summary_length, self.posts[item.index].summary)

    def _post_pages(self, renderer: Renderer, memo: PageMemo) -> tuple[list[OutputFile], dict[str, tuple[str | None, list[str]]]]:
        """Each edited post's own page, between its neighbours; with its digest and reads."""
        from generator.site.assemble import post_page

        files, notes = [], {}
        for item in self.changed.values():
            newer, older = self.neighbours[item.index]
            page = post_page(self.posts[item.index], None if newer is None else self.posts[newer], None if older is None else self.posts[older])
            file = renderer.render(page)
            reads = renderer.reads
            files.append(file)
            notes[file.path] = (memo.digest(page, reads), memo.paths_of(reads))
        return files, notes

    def _old_shards(self, members: dict[int, list[int]]) -> dict[int, str] | None:
        """Each search shard's file as the last build recorded it (by the digest of its
        posts' keys); None if one is not known."""
        listing, globals_key = self.manifest.listings, self.manifest.globals_key
        digests = {n: shard_digest(globals_key, n, len(listing), [listing[i].full_key for i in posts]) for n, posts in members.items() if posts}
        by_digest = self.manifest.pages_with_digests(set(digests.values()))
        old = {n: by_digest.get(digest) for n, digest in digests.items()}
        return None if None in old.values() else cast(dict[int, str], old)

    def _shards(self, renderer: Renderer, members: dict[int, list[int]], old: dict[int, str]) -> dict[int, OutputFile] | None:
        """The search shards holding an edited post: the last build's file with the edited
        posts' entries made again, every other entry kept byte for byte (its post, file
        and inputs unchanged, its entry is too), so no other post is read. None when a
        file is not the one the last build wrote."""
        from generator.site import search

        fields = cached_search_fields(self.cache, self.shas)
        files = {}
        for n, path in sorted(old.items()):
            data = _read_output(self.build.out_dir, path, self.manifest.files[path][0])
            entries = search.shard_entries(data) if data is not None else None
            if entries is None or len(entries) != len(members[n]):
                return None
            for k, i in enumerate(members[n]):
                if self.manifest.listings[i].path in self.changed:
                    entries[k] = search.entry_bytes(self.posts[i], renderer, fields(self.posts[i]))
            files[n] = search.shard_named(search.join_entries(entries))
        return files

    def _publish(self, pages: list[OutputFile], notes: dict[str, tuple[str | None, list[str]]], shard_files: dict[int, OutputFile], memo: PageMemo,
                 renderer: Renderer, members: dict[int, list[int]], old_shards: dict[int, str]) -> bool:
        """Publish the new files beside everything kept, and remember them."""
        from generator.site import search

        manifest, listing = self.manifest, self.manifest.listings
        new_keys = [row.full_key for row in listing]
        for item in self.changed.values():
            new_keys[item.index] = memo.post_keys([self.posts[item.index]])[0]
        shard_paths: list[OutputFile | KeptFile] = []
        gone: set[str] = set()
        new_digests: dict[str, str] = {}
        for n, old in sorted(old_shards.items()):
            if n in shard_files:
                gone.add(old)
                new_digests[shard_files[n].path] = shard_digest(manifest.globals_key, n, len(listing), [new_keys[i] for i in members[n]])
                shard_paths.append(shard_files[n])
            else:
                shard_paths.append(KeptFile(old, manifest.files[old][0]))
        index = search.manifest_file(shard_paths, len(listing), renderer)
        fresh = {f.path: f for f in [*pages, *shard_files.values(), index]}
        published = replace_files(list(fresh.values()), gone - set(fresh), self.build.out_dir, manifest.files)
        self._report(published)
        remember_build(self.build, self._record(notes, new_digests, gone, new_keys))
        return True

    def _report(self, published: PublishReport) -> None:
        report = self.build.report
        report.quick, report.published, report.pages = True, published, len(published.manifest)
        report.articles, report.rendered, report.pages_rendered = len(self.manifest.listings), len(self.changed), len(self.changed)

    def _record(self, notes: dict[str, tuple[str | None, list[str]]], new_digests: dict[str, str], gone: set[str], new_keys: list[str]) -> PageChanges:
        """The manifest's rows this build changed (the rest stay as the last build recorded
        them): the shards gone and made, each remade page's digest and reads, and the
        edited posts' listing rows (a normal build would record the same)."""
        changes = PageChanges()
        changes.digests.update(dict.fromkeys(gone))
        changes.digests.update(new_digests)
        for path, (digest, read) in notes.items():
            changes.digests[path] = digest  # a page without a digest is rendered again next time
            changes.read_in_full[path] = read
        for i in (item.index for item in self.changed.values()):
            changes.listings[i] = self.manifest.listings[i]._replace(full_key=new_keys[i])
        return changes
