"""Full-text search on a static host: a sharded index built at build time, and the search page.

``search_files`` returns the index shards, the manifest ``/search-index.json`` and the
page ``/search/``. The page's script (``static/search.js``) reads the manifest, downloads
every shard at once and matches in the browser, so no server is needed. Without
JavaScript the page says so and links the archive.

Why shards: one 18 MB index (5,000 posts) was rewritten, and re-uploaded, whenever any
post changed. Posts go to ``shard_count(n)`` shards by a hash of their URL path, so a
post stays in its shard as others come and go: editing or adding one post changes one
shard (until the number of shards changes, at 250, 500, 1,000 ... posts). Each shard's
file name is a hash of its bytes (``search/shards/<hash>.json``), so hosts may cache it
forever; the manifest, a few hundred bytes, is the only file that changes every time::

    {"count": 5000, "shards": ["/search/shards/0a1b2c3d4e5f6a7b.json", ...], "version": 2}

A shard is a JSON list, newest article first, one compact object per article::

    {"t": title, "u": URL path, "s": "source (platform)", "d": "14 February 2025",
     "x": plain text (the first MAX_TEXT characters), "k": "rest words", "o": order key}

``o`` puts the entries of all shards back in the site's order (newest first, then by
slug) by plain string comparison, ascending; it depends on the post's own date and slug
only, so a new post does not change the other posts' entries (a rank would).

``k`` keeps full-text recall for long articles at a fraction of the size: it lists,
sorted, the distinct words of the text beyond ``MAX_TEXT`` (plus the tags) that the
kept text does not already contain. Snippets come from ``x``, else from the summary.
Output is deterministic: same posts, same bytes.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Protocol, Sequence

from generator.models import Article, OutputFile, Page
from generator.site.assemble import Post

__all__ = [
    "MAX_TEXT", "POSTS_PER_SHARD", "MAX_SHARDS", "INDEX_PATH", "SHARD_DIR", "SEARCH_PAGE",
    "plain_text", "text_fields", "encoded_text_fields", "article_text_fields", "order_key", "search_index",
    "shard_count", "shard_of", "shard_of_url", "assign_shards", "shard_file", "shard_named", "entry_bytes", "shard_entries", "join_entries",
    "manifest_file", "search_files",
]

MAX_TEXT = 6000
POSTS_PER_SHARD = 250  # about 1 MB of index per shard at the typical article length
MAX_SHARDS = 64  # more would cost more requests than it saves bytes per edit
INDEX_PATH = "search-index.json"  # the manifest; the search page's data-index
SHARD_DIR = "search/shards"
INDEX_VERSION = 2  # 1 was a plain list of entries, the whole index in one file
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_KEY_OFFSET = 10**18  # microseconds; keeps every year 1-9999 positive and 19 digits wide
SEARCH_PAGE = Page(url="/search/", template="search.html", context={}, output="search/index.html")
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_DROP = re.compile(r"<(script|style|template)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_FOOTNOTE_MARKS = re.compile(r'<sup class="footnote-ref">.*?</sup>|<a [^>]*class="footnote-backref".*?</a>', re.DOTALL)
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|pre|td|th|tr|blockquote|figcaption|dd|dt)>|<br\s*/?>", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)
_HIGHLIGHT_SPAN = re.compile(r'<span class="[\w -]*">|</span>')  # Pygments' spans, exactly


class _Renderer(Protocol):
    def url(self, path: str) -> str: ...
    def human_date(self, value: datetime) -> str: ...
    def render(self, page: Page) -> OutputFile: ...


def plain_text(body: str) -> str:
    """The readable text of an article's HTML, on one line (footnote markers left out)."""
    text = _HIGHLIGHT_SPAN.sub("", body)  # most of a code-heavy post's tags, gone cheaply
    text = _FOOTNOTE_MARKS.sub("", _DROP.sub(" ", text))
    text = _BLOCK_END.sub(" ", text)
    text = html.unescape(_TAG.sub("", text))
    return " ".join(text.split())  # runs of whitespace as one space: str.split's whitespace is re's \s


# ASCII's characters that are not word characters (re's \w), as spaces: in ASCII text,
# translating them and splitting finds the words ``_WORD`` finds, in a third of the time
# (0.07 ms a post: every post's first 6,000 characters go through here).
_ASCII_NON_WORD = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}


def _lower_words(text: str) -> set[str]:
    """The distinct words of ``text``, lowercased one by one. Lowercasing ASCII text first
    gives the same words, in one call; other text may not (``"İ".lower()`` is two
    characters, the second not a word character), so it is done word by word."""
    if text.isascii():
        return set(text.lower().translate(_ASCII_NON_WORD).split())
    return {w.lower() for w in _WORD.findall(text)}


def _rest_words(head: str, rest: str, tags: list[str]) -> str:
    extra = _lower_words(rest + " " + " ".join(tags)) - _lower_words(head)
    return " ".join(sorted(extra))


def text_fields(html_text: str, tags: list[str]) -> tuple[str, str]:
    """The entry's ``x`` (before the summary fallback) and ``k``: the costly part of an
    entry (3.6 s for 5,000 posts), fixed by the post's HTML and tags."""
    text = plain_text(html_text)
    head, rest = text[:MAX_TEXT], text[MAX_TEXT:]
    if rest:  # cut at a word, so the snippet never ends mid-word
        head, _, tail = head.rpartition(" ")
        rest = tail + rest
    return head, _rest_words(head, rest, tags)


# What json.dumps(text, ensure_ascii=False) returns, without building an encoder per call
# (20,000 small strings per build).
_json = json.encoder.encode_basestring


def encoded_text_fields(html_text: str, tags: list[str]) -> tuple[str, str]:
    """``text_fields`` as JSON strings ('' for an empty head), ready for ``search_index``;
    what a build cache keeps, so that a rebuild neither recomputes nor re-encodes 18 MB of text."""
    head, words = text_fields(html_text, tags)
    return (_json(head) if head else ""), _json(words)


def _source(post: Post) -> str:
    if post.source and post.source.platform_name:
        return f"{post.source.title} ({post.source.platform_name})"
    return post.source.title if post.source else ""


def order_key(post: Post) -> str:
    """The entry's ``o``: ascending string order is the site's order (``assemble``:
    newest first, then by slug). Fixed-width inverted microseconds since 1970, then the slug."""
    micros = (post.date - _EPOCH) // timedelta(microseconds=1)
    return f"{_KEY_OFFSET - micros:019d} {post.slug}"


def _shown_date(post: Post, renderer: _Renderer) -> str:
    """The date a result shows: none invented for an item its feed gave no date."""
    return "Date unknown" if post.date_unknown else renderer.human_date(post.date)


def _entry_json(post: Post, renderer: _Renderer, fields: Sequence[str]) -> str:
    """One post's index entry (the keys in the module docstring) as compact JSON with
    sorted keys, from ``encoded_text_fields``: the one place the entry's layout is written."""
    head, words = fields
    values = (_shown_date(post, renderer), order_key(post), _source(post), post.title, renderer.url(post.url))
    d, o, s, t, u = (_json(v) for v in values)
    return f'{{"d":{d},"k":{words},"o":{o},"s":{s},"t":{t},"u":{u},"x":{head or _json(post.summary)}}}'


def article_text_fields(html_text: str, article: Article) -> tuple[str, str]:
    """``encoded_text_fields`` of an article with this HTML, with the tags as its own file
    spells them (not as the site shows them, which other posts decide): what a cache may
    keep by file. (A pool worker makes it from the article; a build from the post.)"""
    return encoded_text_fields(html_text, list(article.tags))


def post_text_fields(post: Post) -> tuple[str, str]:
    """``article_text_fields`` of a post."""
    return article_text_fields(post.html, post.article)


def search_index(posts: list[Post], renderer: _Renderer, known: Callable[[Post], Sequence[str]] | None = None) -> bytes:
    """One shard's bytes: one entry per post (``_entry_json``), in the order given (newest
    first), as ``json.dumps(..., separators=(",", ":"), sort_keys=True, ensure_ascii=False)`` writes a list.

    ``known(post)`` may give a post's ``encoded_text_fields`` from a cache.
    """
    fields = known or post_text_fields
    out = io.BytesIO()  # entry by entry: joining 18 MB of strings, then encoding them, holds three copies
    out.write(b"[")
    for i, post in enumerate(posts):
        out.write((b"," if i else b"") + _entry_json(post, renderer, fields(post)).encode("utf-8"))
    out.write(b"]")
    return out.getvalue()


def shard_count(n_posts: int) -> int:
    """How many shards ``n_posts`` posts go in: the smallest power of two that keeps them
    at ``POSTS_PER_SHARD`` or fewer per shard (1 up to 250 posts, 2 up to 500, 4 up to
    1,000 ...), at most ``MAX_SHARDS``."""
    count = 1
    while count < MAX_SHARDS and count * POSTS_PER_SHARD < n_posts:
        count *= 2
    return count


def shard_of(post: Post, count: int) -> int:
    """The post's shard among ``count``: the SHA-1 of its URL path (without the site's
    base path, so moving the site moves no post) modulo ``count``."""
    return shard_of_url(post.url, count)


def shard_of_url(url: str, count: int) -> int:
    """``shard_of`` for a post's URL path."""
    return int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest(), "big") % count


def assign_shards(posts: list[Post]) -> list[list[Post]]:
    """``posts`` (newest first, as the build orders them) in ``shard_count(len(posts))``
    lists, each keeping that order. A post's shard depends on its URL and the count only."""
    count = shard_count(len(posts))
    shards: list[list[Post]] = [[] for _ in range(count)]
    for post in posts:
        shards[shard_of(post, count)].append(post)
    return shards


def shard_file(shard_posts: list[Post], renderer: _Renderer, known: Callable[[Post], Sequence[str]] | None = None) -> OutputFile:
    """One shard, ready to publish at ``search/shards/<hash>.json``: the name is the first
    16 hex digits of the SHA-256 of its bytes, so a changed shard gets a new URL and an
    unchanged one keeps its old (cacheable forever) one. ``known`` as in ``search_index``."""
    return shard_named(search_index(shard_posts, renderer, known))


def shard_named(data: bytes) -> OutputFile:
    """A shard's bytes at their URL (``shard_file``)."""
    return OutputFile(f"{SHARD_DIR}/{hashlib.sha256(data).hexdigest()[:16]}.json", data)


# Between two entries of a shard, and nowhere else: an entry's strings escape every quote,
# and no key of it but the first opens an object.
_FIRST_KEY = b'{"d":'
_NEXT_ENTRY = b"," + _FIRST_KEY


def entry_bytes(post: Post, renderer: _Renderer, fields: Sequence[str]) -> bytes:
    """One post's entry as ``search_index`` writes it into a shard."""
    return _entry_json(post, renderer, fields).encode("utf-8")


def shard_entries(data: bytes) -> list[bytes] | None:
    """A shard's entries, each as its bytes (``search_index``'s layout); None when ``data``
    is not a shard. Joined by ``join_entries`` they are ``data`` again, byte for byte:
    the quick path replaces an edited post's entry and keeps every other as it was."""
    if not (data.startswith(b"[" + _FIRST_KEY) and data.endswith(b"}]")):
        return None
    first, *rest = data[1:-1].split(_NEXT_ENTRY)
    return [first, *(_FIRST_KEY + entry for entry in rest)]


def join_entries(entries: Iterable[bytes]) -> bytes:
    """A shard's bytes from its entries (``shard_entries``)."""
    return b"[" + b",".join(entries) + b"]"


class _HasPath(Protocol):
    @property  # read-only: OutputFile is frozen
    def path(self) -> str: ...


def manifest_file(shard_files: Iterable[_HasPath], n_posts: int, renderer: _Renderer) -> OutputFile:
    """``/search-index.json``: the shards' URLs (under the site's base path), in the order
    given, and the number of posts. Takes anything with a ``.path`` (an ``OutputFile``,
    or a cached record of one); a path listed twice is listed once."""
    urls = list(dict.fromkeys(renderer.url(f.path) for f in shard_files))
    manifest = {"version": INDEX_VERSION, "shards": urls, "count": n_posts}
    return OutputFile(INDEX_PATH, json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def search_files(posts: list[Post], renderer: _Renderer, known: Callable[[Post], Sequence[str]] | None = None) -> list[OutputFile]:
    """The index shards (empty ones left out), the manifest and the search page, ready to
    publish. ``posts`` newest first; ``known`` as in ``search_index``."""
    shards = [shard_file(shard, renderer, known) for shard in assign_shards(posts) if shard]
    return [*shards, manifest_file(shards, len(posts), renderer), renderer.render(SEARCH_PAGE)]
