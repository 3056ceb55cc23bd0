"""The frozen dataclasses that flow between the pipeline's stages.

    FeedSource --fetch--> FetchResult --parse--> Entry --normalise--> Article
    Article --markup--> Rendered
    Article (content/**/*.md) --assemble--> Page --render--> OutputFile --publish--> public/

Nothing here does any work: a stage takes some of these and returns others, so each
stage can be tested alone with values built by hand.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "SiteConfig",
    "FeedSource",
    "FeedState",
    "FetchResult",
    "Entry",
    "Article",
    "Rendered",
    "Page",
    "OutputFile",
    "PublishReport",
    "BuildOptions",
    "BuildReport",
    "is_published",
]

def setting(doc: str, default: Any = MISSING, *, minimum: int | None = None) -> Any:
    """A field a user sets in a TOML file, documented where it is declared.

    ``config.py`` derives from these fields the keys it accepts, their TOML types, the
    required ones (no default), the smallest number allowed and the README's table, so a
    new setting is one line here. A field made with plain ``field()`` is not a key.
    """
    return field(default=default, metadata={"setting": doc, "minimum": minimum})


def front_matter(doc: str, default: Any = MISSING, *, always: bool = False, example: str = "") -> Any:
    """An ``Article`` field that is a front matter key, in the order keys are written.

    A key without a default is required (``example`` shows a value in the error that
    says so); ``always`` writes the key even when empty (``tags: []``), where other
    empty keys are left out.
    """
    return field(default=default, metadata={"front_matter": doc, "always": always, "example": example})


PLATFORMS: tuple[str, ...] = ("forem", "ghost", "gridsome", "generic")


@dataclass(frozen=True)
class SiteConfig:
    """Site settings from ``site.toml``: each ``setting`` field is a key, with its default."""

    title: str = setting("the site's name", "Planet Python Blogs")
    base_url: str = setting("absolute URL the site is served from (may have a path)", "http://localhost:8000/")
    author: str = setting("the site's author, in feeds", "The editors")
    description: str = setting("shown in the footer, meta description and feeds", "Articles from Python blogs, gathered in one place.")
    language: str = setting("`<html lang>` and feeds", "en")
    timezone: str = setting("IANA name; naive dates in posts are in this zone", "UTC")
    per_page: int = setting("posts per index, tag and source page", 10, minimum=1)
    feed_items: int = setting("entries in the site's own feeds", 20, minimum=1)
    summary_length: int = setting("characters of an automatic summary, when a post gives none", 300, minimum=1)
    max_article_kb: int = setting("KB of Markdown an imported article keeps; a longer one is cut with a note", 512, minimum=1)
    root: Path = Path(".")  # the project folder the relative paths below live in (--root, not a key)
    content_dir: str = setting("the folder of articles", "content")
    feeds_dir: str = setting("the folder of `*.toml` feed lists", "feeds")
    templates_dir: str = setting("the folder of Jinja2 templates", "templates")
    static_dir: str = setting("the folder copied to `/static/`", "static")
    output_dir: str = setting("the folder the site is built into", "public")

    def path(self, name: str) -> Path:
        """The absolute path of one of the ``*_dir`` settings."""
        return (self.root / str(getattr(self, f"{name}_dir"))).resolve()


@dataclass(frozen=True)
class FeedSource:
    """One ``[[feed]]`` table of ``feeds/*.toml``."""

    name: str = setting("the folder under `content/` and the `/sources/<name>/` page: lowercase letters, digits, `-`, `_`")
    url: str = setting("an RSS, Atom or JSON Feed URL (http or https)")
    title: str = setting("shown on the site; default: the feed's own title", "")
    tags: tuple[str, ...] = setting("added to every article of this feed", ())
    include: tuple[str, ...] = setting("keep only items with one of these tags, or whose title matches a regex `re:...`", ())
    exclude: tuple[str, ...] = setting("drop items with one of these tags, or whose title matches", ())
    max_items: int = setting("the newest N items read per fetch", 200, minimum=1)
    platform: str | None = setting(f"one of {', '.join(PLATFORMS)}; default: detected from the feed", None)
    enabled: bool = setting("false: the feed is not fetched", True)
    defined_in: str = ""  # "feeds/python.toml", for error messages (not a key)


@dataclass(frozen=True)
class FeedState:
    """What we remember of one feed between runs (``feeds/state.json``)."""

    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    last_success: str | None = None  # ISO 8601 UTC
    last_error: str | None = None
    consecutive_failures: int = 0
    platform: str | None = None
    title: str | None = None  # the feed's own title, shown when feeds/*.toml gives none
    link: str | None = None  # the blog's home page, as the feed gives it
    first_seen: dict[str, str] = field(default_factory=dict)  # entry id -> ISO date first seen
    url: str | None = None  # the configured URL this state was recorded for (a changed URL starts afresh)


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one feed.

    ``status`` is ``"ok"`` (``body`` holds the decoded-transfer bytes), ``"not_modified"``
    (a 304: nothing to parse) or ``"failed"`` (``error`` says why, in words).
    """

    source: FeedSource
    status: Literal["ok", "not_modified", "failed"]
    url: str  # the final URL after redirects
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    http_status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    permanent_redirect: str | None = None
    elapsed: float = 0.0


ContentKind = Literal["html", "markdown", "text"]  # what an item's body is written in


@dataclass(frozen=True)
class Entry:
    """One feed item, parsed but not yet cleaned.

    ``content`` is the richest body the feed gives; ``content_type`` says what it is:
    ``"html"``, ``"markdown"`` (Gridsome and friends) or ``"text"``.
    ``is_excerpt`` is true when the feed gives only a summary.
    """

    source: str  # FeedSource.name
    id: str  # guid, else link, else a hash of title and content; unique within its feed
    title: str
    link: str
    published: datetime  # aware UTC, never None (first-seen time when the feed gives none)
    content: str
    content_type: ContentKind = "html"
    platform: str = "generic"
    base_url: str = ""  # what relative URLs in content resolve against (xml:base, else link)
    author: str = ""
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    summary: str = ""
    is_excerpt: bool = False
    feed_title: str = ""
    image: str = ""  # feature image (media:content, enclosure), if any
    date_known: bool = True  # False: the feed gave no date and ``published`` is a stand-in (parse.py)


@dataclass(frozen=True, kw_only=True)
class Article:
    """One article: an authored post or a normalised feed item.

    It is what ``content/**/*.md`` holds: the front matter fields plus the Markdown body.
    Each ``front_matter`` field is a key, written in this order (``content/write.py``)
    and read back by its type (``content/read.py``); ``path`` is the file it was read
    from or will be written to, relative to content/.
    """

    title: str = front_matter("the title (required)", example="My post")
    date: datetime = front_matter("when it was published; aware (required)", example="2026-01-31")
    updated: datetime | None = front_matter("when it was last changed", None)
    author: str = front_matter("who wrote it; default: none shown", "")
    source: str = front_matter("the feed it came from; empty for authored posts", "")
    platform: str = front_matter("forem, ghost, gridsome, generic; empty for authored posts", "")
    original_url: str = front_matter("the original's address (http or https only)", "")
    guid: str = front_matter("the feed's id of the item: how a re-fetch finds the file", "")
    tags: tuple[str, ...] = front_matter("a list, written even when empty", (), always=True)
    summary: str = front_matter("for listings; default: the first paragraph, cut at a word", "")
    image: str = front_matter("the share image (og:image); default: the body's first image", "")
    slug: str = front_matter("the URL segment: /posts/<slug>/", "")
    draft: bool = front_matter("left out unless build --drafts", False)
    copy_of: tuple[str, ...] = front_matter("other copies of this article (content paths or URLs): see crosspost.py", ())
    not_copy_of: tuple[str, ...] = front_matter("files never to merge with this one, whatever the evidence", ())
    body: str  # Markdown
    path: str = ""  # e.g. "posts/2026-11-22-hello.md"
    extra: tuple[tuple[str, Any], ...] = ()  # unknown front matter keys, kept in order

    @property
    def imported(self) -> bool:
        return bool(self.source)


@dataclass(frozen=True)
class Rendered:
    """The HTML of one article and the headings found in it (for a table of contents).

    The build cache hands out an equivalent (``cache.StoredRendered``) whose ``html``
    and ``toc`` are read from disk only when asked for: a rebuild reads few of them.
    """

    html: str
    toc: list[dict[str, Any]] = field(default_factory=list, hash=False, compare=False)
    # Where each highlighted code block sits in ``html``: (key of its language and code,
    # start, length). A later render of the same code can reuse it without Pygments.
    blocks: tuple[tuple[str, int, int], ...] = field(default=(), hash=False, compare=False)


@dataclass(frozen=True)
class Page:
    """One page to render: a template and what it needs. ``url`` is site-relative (``/posts/x/``)."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    output: str = ""  # file path under public/, e.g. "posts/x/index.html"


@dataclass(frozen=True)
class OutputFile:
    """Bytes to write at ``path`` (relative to the output folder, ``/``-separated)."""

    path: str
    data: bytes


@dataclass(frozen=True)
class PublishReport:
    """What publishing the outputs did (``site/publish.py``), and the output manifest it leaves."""

    written: int  # files whose bytes are new or changed
    removed: int  # files of the previous build that are gone
    total: int
    manifest: dict[str, list[Any]] = field(default_factory=dict, compare=False, repr=False)  # path -> [sha1, size, mtime_ns]


# ---------------------------------------------------------------- the build's options and report


@dataclass(frozen=True)
class BuildOptions:
    """How ``pipeline.build_site`` builds (``build`` and ``serve`` set these from their options)."""

    out_dir: Path | None = None  # default: the site's output_dir
    drafts: bool = False
    future: bool = False
    now: datetime | None = None  # the clock, injectable for tests
    clean: bool = False  # ignore what .cache/build/ holds (and rebuild it)
    cache: bool = True  # use .cache/build/ at all
    workers: int | None = None  # processes for Markdown; None: all cores when it pays
    progress: bool = False  # a progress bar on the terminal for long stages
    noindex: bool = False  # previews: ask search engines to stay away (_headers + robots.txt)


@dataclass
class BuildReport:
    """What a build did: counts, how it went (no-op, quick path) and each stage's time."""

    pages: int = 0
    articles: int = 0
    rendered: int = 0  # articles whose Markdown was rendered (not taken from the cache)
    pages_rendered: int = 0  # pages rendered again (the others were kept as the last build left them)
    noop: bool = False  # every input was as the last build left it: nothing was done
    quick: bool = False  # only a few bodies changed: made by the quick path (incremental/quick.py)
    published: PublishReport | None = None
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds (each stage's own time)

    def summary(self) -> str:
        changed = self.published.written + self.published.removed if self.published else 0
        total = sum(self.timings.values())
        return f"built {self.pages:,} pages ({changed:,} changed) in {total:.2f} s"


def is_published(draft: bool, date: datetime, now: datetime, drafts: bool, future: bool) -> bool:
    """The publish rule: a draft only with ``drafts``, a post dated after ``now`` only with ``future``."""
    return (drafts or not draft) and (future or date <= now)
