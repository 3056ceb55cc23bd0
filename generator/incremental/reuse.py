"""Page reuse: which outputs of the last build can stay as they are, and what this build learns.

A page is kept (not rendered) when its digest (``PageMemo.digest``: what its template
sees) equals the one the manifest recorded and its file is still on disk as the last
build left it. When no post's listing key moved (same posts, same order, same listing
fields, same templates and config), only the pages that read a changed post in full
need their digest made at all (``_suspects``).

Outputs made together from the same inputs (the site's and tags' feeds; a search
shard) are kept by the digest of those inputs (``kept_group``): a shard none of whose
posts changed is not made again. Everything learnt goes in a ``PageRecord`` for the
manifest (``OutputManifest.record``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from generator.incremental.digests import digest_parts, shard_digest
from generator.incremental.manifest import OutputManifest, PageRecord
from generator.incremental.pagememo import PageMemo
from generator.incremental.parallel import render_many
from generator.models import OutputFile, Page, SiteConfig
from generator.site.publish import KeptFile, StagedFile

if TYPE_CHECKING:
    from generator.site.assemble import Post
    from generator.site.render import Renderer

__all__ = ["PageReuse", "Made", "SearchFields", "render_pages", "reused_file", "reused_feeds", "remember_group", "search_files", "feed_articles"]

Made = OutputFile | StagedFile | KeptFile  # an output as the render stage hands it to publish
Stage = Callable[[OutputFile], OutputFile | StagedFile]  # an output onto disk now (the staging folder), or kept in memory
SearchFields = Callable[["Post"], Sequence[str]]  # a post's search text (``search.post_text_fields``), maybe from a cache


@dataclass
class PageReuse:
    """What ``render_pages`` needs to skip unchanged pages, and what it learns for next time."""

    memo: PageMemo
    manifest: OutputManifest
    out_dir: Path
    record: PageRecord = field(default_factory=PageRecord)  # this build's, for the manifest
    group_digests: dict[str, str] = field(default_factory=dict)  # e.g. "site_feeds" -> digest of what they show
    progress: Callable[[int], None] | None = None
    rendered: int = 0  # pages rendered (not kept)

    def note(self, output: str, digest: str, read_in_full: list[str] | None) -> None:
        """Remember a page's digest and the posts it read in full, for the next build."""
        self.record.digests[output] = digest
        if read_in_full:
            self.record.read_in_full[output] = read_in_full

    def kept(self, output: str) -> KeptFile:
        return KeptFile(output, self.manifest.files[output][0])


def render_pages(
    renderer: Renderer, pages: Sequence[Page], reuse: PageReuse | None, staging: Path | None, assembled: int, meanwhile: Callable[[], None] | None = None
) -> list[Made]:
    """Render every page, except those the manifest vouches for (kept on disk as they are).

    The first ``assembled`` pages come from ``assemble_pages`` (see ``_suspects``).
    ``meanwhile`` runs while the pages render (``render_many``).
    """
    if reuse is None:
        return [made.file for made in render_many(renderer, list(pages), None, staging, meanwhile=meanwhile)]
    memo, manifest = reuse.memo, reuse.manifest
    files: list[Made | None] = []
    todo: list[int] = []
    suspects = _suspects(memo, manifest)
    for number, page in enumerate(pages):
        known = manifest.pages.get(page.output)
        read = manifest.read_in_full.get(page.output, []) if known else None
        if known is None:  # a new page (every page of a clean build): nothing to compare with
            digest = None
        elif suspects is not None and number < assembled and page.output not in suspects:
            digest = known  # same context as last time, up to posts it does not read in full
        else:
            digest = memo.digest(page, memo.read_in_full(read))
        if digest and digest == known and manifest.intact(reuse.out_dir, page.output):
            reuse.note(page.output, digest, read)
            files.append(reuse.kept(page.output))
        else:
            todo.append(len(files))
            files.append(None)
    made = render_many(renderer, [pages[i] for i in todo], reuse.progress, staging, digest=memo.digest, meanwhile=meanwhile)
    for i, page_made in zip(todo, made, strict=True):  # digests made beside each page, on all cores
        files[i] = page_made.file
        if page_made.digest:
            reuse.note(page_made.file.path, page_made.digest, memo.paths_of(page_made.reads))
    reuse.rendered = len(todo)
    reuse.record.listings, reuse.record.globals_key = memo.listings(), memo.globals_key
    return [f for f in files if f is not None]


def _suspects(memo: PageMemo, manifest: OutputManifest) -> set[str] | None:
    """When every post shows in listings as it did last build (same posts, same order,
    same listing keys, same templates and config), every assembled page's context is
    as it was, except for the posts it reads in full: return the pages that read a
    post whose full key changed. None when anything else moved (check every page).
    """
    if manifest.globals_key != memo.globals_key:
        return None
    now, before = memo.listings(), manifest.listings
    if len(now) != len(before) or any((a.path, a.listing_key) != (b.path, b.listing_key) or not a.listing_key for a, b in zip(now, before, strict=True)):
        return None
    changed = {a.path for a, b in zip(now, before, strict=True) if a.full_key != b.full_key}
    return {page for page, paths in manifest.read_in_full.items() if changed.intersection(paths)}


def reused_file(reuse: PageReuse | None, output: str, inputs: Any) -> KeptFile | None:
    """A non-page output (e.g. the sitemap) kept as it is when its inputs did not change."""
    if reuse is None:
        return None
    digest = digest_parts([reuse.memo.globals_key, output, repr(inputs)])
    reuse.record.digests[output] = digest
    manifest = reuse.manifest
    if manifest.pages.get(output) == digest and manifest.intact(reuse.out_dir, output):
        return reuse.kept(output)
    return None


def _feeds_digest(reuse: PageReuse, site: SiteConfig, posts: list[Post]) -> str:
    """What ``syndication.site_feeds`` reads: config (in globals_key), the newest posts,
    and each tag's newest posts (``group_by_tag`` names a tag after its newest post)."""
    from generator.site.assemble import group_by_tag

    keys = reuse.memo.post_keys
    parts = [reuse.memo.globals_key, "site_feeds", *(keys(posts[: site.feed_items]))]
    for tag, tagged in group_by_tag(posts).items():
        parts += [f"{tag.name}\0{tag.slug}", *keys(tagged[: site.feed_items])]
    return digest_parts(parts)


def feed_articles(site: SiteConfig, posts: list[Post]) -> list[str]:
    """The articles some feed of the site (or of a tag) shows, with their whole HTML."""
    from generator.site.assemble import group_by_tag

    shown = {p.article.path for p in posts[: site.feed_items]}
    for tagged in group_by_tag(posts).values():
        shown.update(p.article.path for p in tagged[: site.feed_items])
    return sorted(shown)


def reused_feeds(reuse: PageReuse | None, site: SiteConfig, posts: list[Post]) -> list[KeptFile] | None:
    """The site's and tags' feeds kept as they are when no post they show changed
    (the files are those the last build made from the same inputs)."""
    if reuse is None:
        return None
    try:
        digest = reuse.group_digests["site_feeds"] = _feeds_digest(reuse, site, posts)
    except KeyError:  # a post the memo has no digest for: make the feeds
        return None
    return kept_group(reuse, digest)


def kept_group(reuse: PageReuse, digest: str) -> list[KeptFile] | None:
    """The files the last build made from inputs with this digest, if still intact."""
    manifest = reuse.manifest
    outputs = sorted(p for p, d in manifest.pages.items() if d == digest)
    if not outputs or not all(manifest.intact(reuse.out_dir, p) for p in outputs):
        return None
    reuse.record.digests.update(dict.fromkeys(outputs, digest))
    return [reuse.kept(p) for p in outputs]


def remember_group(reuse: PageReuse | None, group: str, files: list[OutputFile]) -> list[OutputFile]:
    """Record the digest of a group of outputs made together (see ``reused_feeds``)."""
    if reuse is not None and group in reuse.group_digests:
        reuse.record.digests.update(dict.fromkeys((f.path for f in files), reuse.group_digests[group]))
    return files


def search_files(reuse: PageReuse | None, posts: list[Post], renderer: Renderer, fields: SearchFields, stage: Stage = lambda file: file) -> list[Made]:
    """The search page, index and shards; a shard none of whose posts changed is kept as
    it is (its name is a hash of its bytes, so the last build's file is found by digest).
    ``stage`` takes each new shard as it is made (onto disk: 4 KB a post held otherwise)."""
    from generator.site import search

    if reuse is None:
        return list(search.search_files(posts, renderer, fields))
    shards: list[Made] = []
    for number, shard in enumerate(search.assign_shards(posts)):
        if not shard:
            continue
        try:
            digest = shard_digest(reuse.memo.globals_key, number, len(posts), reuse.memo.post_keys(shard))
        except KeyError:  # a post the memo has no digest for
            shards.append(stage(search.shard_file(shard, renderer, fields)))
            continue
        kept = kept_group(reuse, digest)
        if kept is None:
            made = stage(search.shard_file(shard, renderer, fields))
            reuse.record.digests[made.path] = digest
            shards.append(made)
        else:
            shards += kept
    return [*shards, search.manifest_file(shards, len(posts), renderer), renderer.render(search.SEARCH_PAGE)]
