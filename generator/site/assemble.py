"""Assembling the site: URLs, listings, tags, sources, archive and pagination.

Input: articles with their rendered HTML (:class:`Post`); output: every HTML
:class:`~generator.models.Page` of the site, each naming its template and context.
Nothing here reads or writes files, so the whole site map is testable in memory.

URL scheme (site-relative; ``render`` prefixes the base URL's path):
``/`` and ``/page/N/``, ``/posts/<slug>/``, ``/tags/`` and ``/tags/<tag>/``,
``/sources/`` and ``/sources/<source>/``, ``/archive/``, ``/404.html``.

What a post's HTML says (summary, reading time, share image) is ``post_text.py``'s; which
page links a pager shows and a post's neighbours, ``navigation.py``'s.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from itertools import groupby
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

from generator.content import DATE_UNKNOWN, PARAMS_KEY, slugify
from generator.models import Article, FeedSource, FeedState, Page, Rendered, SiteConfig
from generator.people import person_name
from generator.site.crosspost import CrossPosts, Group, copy_label
from generator.site.navigation import pager_window, reading_neighbours
from generator.site.post_text import first_image, host_of, is_named, plain_summary, reading_time
from generator.slugs import assign_slugs
from generator.urls import http_url

__all__ = ["Tag", "Source", "Copy", "Post", "REDIRECT_TEMPLATE", "in_sitemap", "make_posts", "make_post", "post_url", "post_output", "make_source", "tag_slug", "tag_names", "reading_neighbours", "post_page", "assemble_pages", "plain_summary", "reading_time", "first_image"]

log = logging.getLogger(__name__)

# Platforms a badge names. A "generic" feed has none: a "Blog" badge would tell a reader nothing.
PLATFORM_NAMES = {"forem": "Forem (dev.to)", "ghost": "Ghost", "gridsome": "Gridsome"}
UNNAMED_PLATFORMS = ("", "generic")
REDIRECT_TEMPLATE = "redirect.html"  # the page left at a merged copy's own URL


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str

    @property
    def url(self) -> str:
        return f"/tags/{self.slug}/"


@dataclass(frozen=True)
class Source:
    """A feed the site imports from, as readers see it."""

    name: str
    title: str
    platform: str = ""
    home: str = ""  # the blog's own address, when known

    @property
    def url(self) -> str:
        return f"/sources/{self.name}/"

    @property
    def platform_name(self) -> str:
        """The badge's text; empty when the platform says nothing to a reader."""
        if self.platform in UNNAMED_PLATFORMS:
            return ""
        return PLATFORM_NAMES.get(self.platform, self.platform.title())


@dataclass(frozen=True)
class Copy:
    """Another place a cross-posted article was published (see ``crosspost.py``)."""

    label: str  # "dev.to", "Medium", or the feed's title
    url: str  # its address there ("" when unknown or not a web address)
    source: Source | None  # its feed; None for a post of this site


@dataclass(frozen=True)
class Post:
    """An article ready for templates: its URL, HTML, summary, tags and source."""

    article: Article
    slug: str
    rendered: Rendered = field(repr=False, compare=False)  # HTML and toc; from a build cache, read when asked for
    summary: str
    reading_time: int
    tags: tuple[Tag, ...]
    source: Source | None = None
    copies: tuple[Copy, ...] = ()  # the same article elsewhere: credited on its page, listed on their sources' pages
    aliases: tuple[str, ...] = ()  # slugs of its copies' own URLs, which redirect to this post
    file_slugs: tuple[tuple[str, str], ...] = ()  # a cross-post's files and the slug each has alone (URL memory)

    # What a page reads of a post "in full": its HTML and the whole article. A page that
    # reads none of these from a post shows it as a listing entry, and depends only on
    # listing_fields(): a body edit does not make the archive or tag pages again.
    # (original_host and canonical_here are read from the article.)
    DEEP: ClassVar[frozenset[str]] = frozenset({"article", "rendered", "html", "toc", "image", "original_host", "canonical_here"})

    def listing_fields(self) -> tuple[Any, ...]:
        """Everything but DEEP that a template can read of a post (``url`` comes from the slug)."""
        return (self.slug, self.summary, self.reading_time, self.tags, self.source, self.title, self.date, self.author, self.draft, self.article.extra, self.copies, self.aliases, self.file_slugs)

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def toc(self) -> list[dict[str, Any]]:
        return self.rendered.toc

    @property
    def url(self) -> str:
        return post_url(self.slug)

    @property
    def title(self) -> str:
        return self.article.title

    @property
    def date(self) -> datetime:
        return self.article.date

    @property
    def author(self) -> str:
        # articles fetched before names were cleaned may still carry an address
        return person_name(self.article.author)

    @property
    def author_is_source(self) -> bool:
        """The source is named after the author ("Ann Lee", "DEV Community: Ann Lee"): one name is enough."""
        return self.source is not None and bool(self.author) and is_named(self.source.title, self.author)

    @property
    def original_host(self) -> str:
        """Where the original lives, as a reader knows it: ``dev.to``, ``thedmitry.pw``."""
        return host_of(self.article.original_url)

    @property
    def canonical_here(self) -> bool:
        """False for an imported article: its canonical URL is the original's, on its own site."""
        return not self.article.original_url

    @property
    def image(self) -> str:
        """The image that stands for the post when it is shared (``og:image``): its
        ``image`` front matter (an author's choice, or the feed's ``media:content`` or
        enclosure), else the first image of its body. As written: the page makes it absolute."""
        return self.article.image or first_image(self.rendered.html)

    @property
    def draft(self) -> bool:
        """Only builds with drafts (``serve``, previews) show one: marked, and kept out of search engines."""
        return self.article.draft

    @property
    def date_unknown(self) -> bool:
        """The feed gave no date: ``date`` only places the post (below every dated one)."""
        return dict(self.article.extra).get(DATE_UNKNOWN) is True

    @property
    def params(self) -> dict[str, Any]:
        """The author's own front matter keys, for templates (``post.params.series``): every
        key the site does not know, and those under ``params:`` (which win)."""
        own = {str(k): v for k, v in self.article.extra if k != PARAMS_KEY}
        nested = dict(self.article.extra).get(PARAMS_KEY)
        own.update({str(k): v for k, v in nested.items()} if isinstance(nested, dict) else {})
        return own


def post_url(slug: str) -> str:
    """The URL of the post with this slug (or of a cross-post's copy that redirects to it)."""
    return f"/posts/{slug}/"


def post_output(slug: str) -> str:
    """The file of the post with this slug, under the output folder."""
    return _output_for(post_url(slug))


def _make_source(name: str, platform: str, feeds: Mapping[str, FeedSource], states: Mapping[str, FeedState]) -> Source:
    """How readers see a feed: its configured title, else the feed's own, else its name."""
    feed, state = feeds.get(name), states.get(name, FeedState())
    title = (feed.title if feed else "") or state.title or name
    # feeds/state.json holds what the feed said its link was: a page shows it only as http(s)
    home = http_url(state.link) or (http_url(re.sub(r"/(feed|rss)(/.*)?$|/feed\.xml$", "/", feed.url)) if feed else "")
    return Source(name=name, title=title, platform=platform, home=home)


def make_posts(
    site: SiteConfig,
    articles: list[Article],
    rendered: list[Rendered],
    feeds: Mapping[str, FeedSource] | None = None,
    states: Mapping[str, FeedState] | None = None,
    reading_times: Sequence[int | None] | None = None,
    summaries: Sequence[str | None] | None = None,
    previous_slugs: Mapping[str, str] | None = None,
    crossposts: CrossPosts | None = None,
) -> list[Post]:
    """Pair articles with their HTML; newest first (ties broken by slug, for determinism).

    ``reading_times`` and ``summaries`` (automatic ones; one per article, None where
    unknown) let a build cache skip reading HTML it has measured before.
    ``previous_slugs`` (path -> slug the last build gave) keeps clashing URLs where they were.
    Each group of ``crossposts`` becomes one post: its primary, crediting the other copies.
    """
    feeds, states = feeds or {}, states or {}
    groups = {g.primary: g for g in crossposts.groups} if crossposts else {}
    folded = set(crossposts.folded()) if crossposts else set()
    slugs, clashes = assign_slugs(articles, previous_slugs)
    slug_of = {a.path: s for a, s in zip(articles, slugs, strict=True)}
    together = {m: g.primary for g in groups.values() for m in g.members}
    for clash in clashes:  # copies of one article share a title, and a page: no clash to report
        if together.get(clash.moved, clash.moved) != together.get(clash.holder, clash.holder):
            log.warning("%s", clash.warning())
    names = tag_names(a.tags for a in articles)
    known_times = reading_times or [None] * len(articles)
    known_summaries = summaries or [None] * len(articles)
    sources: dict[tuple[str, str], Source] = {}  # one per feed, not one per post

    def source_of(article: Article) -> Source | None:
        key = (article.source, article.platform)
        if article.source and key not in sources:
            sources[key] = _make_source(article.source, article.platform, feeds, states)
        return sources.get(key)

    by_path = {a.path: a for a in articles}
    posts = []
    for article, result, minutes, summary in zip(articles, rendered, known_times, known_summaries, strict=True):
        if article.path in folded:
            continue
        group = groups.get(article.path)
        post = make_post(site, article, result, slug_of[article.path], source_of(article), minutes, summary, names)
        if group is not None:
            post = _merged_post(post, [by_path[m] for m in group.members[1:]], slug_of, group, source_of, names)
        posts.append(post)
    posts.sort(key=lambda p: (-p.date.timestamp(), p.slug))
    return posts


def _group_slug(earliest: list[str], every: list[str]) -> str:
    """A cross-post's slug: its earliest copy's, unless that is another copy's with a
    number added (``title-2``: a copy of the same title that arrived later, dated earlier,
    and found the plain slug taken): then the plain one, which the article had already."""
    first = min(earliest, key=lambda s: (len(s), s))
    plain = [s for s in every if re.fullmatch(re.escape(s) + r"-[0-9]+", first)]
    return min(plain, key=lambda s: (len(s), s)) if plain else first


def _merged_post(post: Post, others: list[Article], slug_of: Mapping[str, str], group: Group, source_of: Callable[[Article], Source | None], names: Mapping[str, str]) -> Post:
    """The primary's post, crediting (and tagged as) every other copy, at its group's URL
    (``_group_slug``); the other copies' own URLs become its aliases (redirects)."""
    slug = _group_slug([slug_of[m] for m in group.earliest], [slug_of[m] for m in group.members])
    copies = []
    for other in others:
        source = source_of(other)
        url = other.original_url if other.original_url.startswith(("https://", "http://")) else ""
        copies.append(Copy(copy_label(other, source.title if source else ""), url, source))
    tags = _post_tags([*post.article.tags, *(t for other in others for t in other.tags)], names)
    aliases = tuple(sorted(slug_of[m] for m in group.members if slug_of[m] != slug))
    own = tuple((m, slug_of[m]) for m in group.members)
    return replace(post, slug=slug, copies=tuple(copies), tags=tags, aliases=aliases, file_slugs=own)


def make_post(
    site: SiteConfig,
    article: Article,
    rendered: Rendered,
    slug: str,
    source: Source | None,
    minutes: int | None = None,
    summary: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Post:
    """One post, given its unique slug, its source and how the site spells each tag
    (``tag_names``; see ``make_posts``, and ``incremental/quick.py``, which remakes a few posts
    without the others)."""
    return Post(
        article=article,
        slug=slug,
        rendered=rendered,
        summary=article.summary or (summary if summary is not None else plain_summary(rendered.html, site.summary_length)),
        reading_time=minutes or reading_time(rendered.html),
        tags=_post_tags(article.tags, names or {}),
        source=source,
    )


def make_source(article: Article, feeds: Mapping[str, FeedSource], states: Mapping[str, FeedState]) -> Source | None:
    """The source a post credits, or None for the site's own posts."""
    return _make_source(article.source, article.platform, feeds, states) if article.source else None


@lru_cache(maxsize=4096)
def tag_slug(name: str) -> str:
    """A tag name's slug; names that differ only in case share one tag page."""
    return slugify(name.lower(), name)


def tag_names(tag_lists: Iterable[Sequence[str]]) -> dict[str, str]:
    """How the site spells each tag (by slug): the spelling most posts use; on a tie,
    an all-lowercase one, then the first in code-point order. It depends on the set of
    posts only, not their order, so a build that remakes a few posts can make it too."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for tags in tag_lists:
        for name in dict.fromkeys(tags):
            counts[tag_slug(name)][name] += 1
    return {slug: min(used, key=lambda n: (-used[n], n != n.lower(), n)) for slug, used in counts.items()}


def _post_tags(tags: Sequence[str], names: Mapping[str, str]) -> tuple[Tag, ...]:
    """A post's tags as the site spells them, once each (``Python`` and ``python`` are one)."""
    own: dict[str, str] = {}
    for name in tags:
        own.setdefault(tag_slug(name), name)
    return tuple(Tag(names.get(slug, name), slug) for slug, name in own.items())


# ---------------------------------------------------------------- pages


def _paginate(posts: list[Post], per_page: int, first_url: str) -> list[tuple[list[Post], dict[str, Any]]]:
    """Split ``posts`` into pages; page 1 is ``first_url``, page N is ``first_url + page/N/``."""
    total = max(1, math.ceil(len(posts) / per_page))

    def url(n: int) -> str:
        return first_url if n == 1 else f"{first_url}page/{n}/"

    pages = []
    every_page = [{"number": k, "url": url(k)} for k in range(1, total + 1)]  # shared: built once, not once per page
    for n in range(1, total + 1):
        info = {
            "number": n,
            "total": total,
            "url": url(n),
            "prev_url": url(n - 1) if n > 1 else None,
            "next_url": url(n + 1) if n < total else None,
            "pages": every_page,
            "window": pager_window(every_page, n),
        }
        pages.append((posts[(n - 1) * per_page : n * per_page], info))
    return pages


def _output_for(url: str) -> str:
    return url.strip("/") + "/index.html" if url != "/" else "index.html"


def _listing_pages(posts: list[Post], per_page: int, first_url: str, template: str, **context: Any) -> list[Page]:
    result = []
    for chunk, pagination in _paginate(posts, per_page, first_url):
        ctx = {"posts": chunk, "pagination": pagination, **context}
        result.append(Page(url=pagination["url"], template=template, context=ctx, output=_output_for(pagination["url"])))
    return result


def _post_pages(posts: list[Post]) -> list[Page]:
    pages = []
    for post, (newer, older) in zip(posts, reading_neighbours([p.article.source for p in posts]), strict=True):
        pages.append(post_page(post, None if newer is None else posts[newer], None if older is None else posts[older]))
    for post in posts:  # a merged copy's own URL keeps working: it points to the post
        for alias in post.aliases:
            url = post_url(alias)
            pages.append(Page(url=url, template=REDIRECT_TEMPLATE, context={"post": post}, output=_output_for(url)))
    return pages


def in_sitemap(page: Page) -> bool:
    """Pages search engines should index: not the 404 page, not redirects."""
    return page.url != "/404.html" and page.template != REDIRECT_TEMPLATE


def post_page(post: Post, newer: Post | None, older: Post | None) -> Page:
    """A post's own page, between its newer and older neighbours (``reading_neighbours``)."""
    ctx = {"post": post, "newer": newer, "older": older}
    return Page(url=post.url, template="post.html", context=ctx, output=_output_for(post.url))


def group_by_tag(posts: list[Post]) -> dict[Tag, list[Post]]:
    by_slug: dict[str, list[Post]] = defaultdict(list)
    names: dict[str, str] = {}
    for post in posts:
        for tag in post.tags:  # one Tag per slug (_post_tags), spelt as the whole site spells it
            by_slug[tag.slug].append(post)
            names.setdefault(tag.slug, tag.name)
    return {Tag(names[s], s): by_slug[s] for s in sorted(by_slug)}


def group_by_source(posts: list[Post]) -> dict[Source, list[Post]]:
    """Each feed's posts; a cross-posted article is listed by every feed that carried it."""
    groups: dict[str, list[Post]] = defaultdict(list)
    first: dict[str, Source] = {}
    for post in posts:
        sources = {s.name: s for s in reversed([post.source, *(c.source for c in post.copies)]) if s}
        for name in sources:  # two copies in one feed: listed once
            groups[name].append(post)
            first.setdefault(name, sources[name])
    return {first[name]: groups[name] for name in sorted(groups)}


def _archive_years(posts: list[Post]) -> list[dict[str, Any]]:
    return [{"year": year, "posts": list(group)} for year, group in groupby(posts, key=lambda p: "Undated" if p.date_unknown else p.date.year)]


def assemble_pages(site: SiteConfig, posts: list[Post]) -> list[Page]:
    """Every HTML page of the site, in a fixed order."""
    tags = group_by_tag(posts)
    sources = group_by_source(posts)
    pages = _listing_pages(posts, site.per_page, "/", "index.html")
    pages += _post_pages(posts)
    by_use = sorted(tags.items(), key=lambda item: (-len(item[1]), item[0].slug))  # most used first
    tag_list = [{"tag": t, "count": len(p)} for t, p in by_use]
    pages.append(Page(url="/tags/", template="tags.html", context={"tags": tag_list}, output="tags/index.html"))
    for tag, tagged in tags.items():
        pages += _listing_pages(tagged, site.per_page, tag.url, "tag.html", tag=tag)
    source_list = [{"source": s, "count": len(p), "newest": p[0].date} for s, p in sources.items()]
    pages.append(Page(url="/sources/", template="sources.html", context={"sources": source_list}, output="sources/index.html"))
    for source, items in sources.items():
        pages += _listing_pages(items, site.per_page, source.url, "source.html", source=source)
    pages.append(Page(url="/archive/", template="archive.html", context={"years": _archive_years(posts)}, output="archive/index.html"))
    pages.append(Page(url="/404.html", template="404.html", context={}, output="404.html"))
    return pages
