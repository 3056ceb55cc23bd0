"""Full-text search on a static host: an index built at build time, and the search page.

``search_files`` returns two outputs: ``/search-index.json`` and ``/search/``. The page's
script (``static/search.js``) downloads the index once and matches in the browser, so
no server is needed. Without JavaScript the page says so and links the archive.

The index is a JSON list, newest article first, one compact object per article::

    {"t": title, "u": URL path, "s": "source (platform)", "d": "14 February 2025",
     "x": plain text (the first MAX_TEXT characters), "k": "rest words"}

``k`` keeps full-text recall for long articles at a fraction of the size: it lists,
sorted, the distinct words of the text beyond ``MAX_TEXT`` (plus the tags) that the
kept text does not already contain. Snippets come from ``x``, else from the summary.
Output is deterministic: same posts, same bytes.
"""

from __future__ import annotations

import html
import io
import json
import re
from typing import Callable, Protocol, Sequence

from .assemble import Post
from .models import OutputFile, Page

__all__ = ["MAX_TEXT", "plain_text", "text_fields", "encoded_text_fields", "search_entry", "search_index", "search_files", "SEARCH_PAGE"]

MAX_TEXT = 6000
SEARCH_PAGE = Page(url="/search/", template="search.html", context={}, output="search/index.html")
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_DROP = re.compile(r"<(script|style|template)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_FOOTNOTE_MARKS = re.compile(r'<sup[^>]*>\s*<a class="footnote-ref".*?</sup>|<a class="footnote-backref".*?</a>', re.DOTALL)
_BLOCK_END = re.compile(r"</(p|div|li|h[1-6]|pre|td|th|tr|blockquote|figcaption|dd|dt)>|<br\s*/?>", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


class _Renderer(Protocol):
    def url(self, path: str) -> str: ...
    def human_date(self, value) -> str: ...
    def render(self, page: Page) -> OutputFile: ...


def plain_text(body: str) -> str:
    """The readable text of an article's HTML, on one line (footnote markers left out)."""
    text = _FOOTNOTE_MARKS.sub("", _DROP.sub(" ", body))
    text = _BLOCK_END.sub(" ", text)
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"\s+", " ", text).strip()


def _rest_words(head: str, rest: str, tags: list[str]) -> str:
    known = {w.lower() for w in _WORD.findall(head)}
    extra = {w.lower() for w in _WORD.findall(rest + " " + " ".join(tags))} - known
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
    if post.source and post.source.platform:
        return f"{post.source.title} ({post.source.platform_name})"
    return post.source.title if post.source else ""


def search_entry(post: Post, renderer: _Renderer) -> dict[str, str]:
    head, words = text_fields(post.html, [t.name for t in post.tags])
    return {
        "t": post.title,
        "u": renderer.url(post.url),
        "s": _source(post),
        "d": renderer.human_date(post.date),
        "x": head or post.summary,
        "k": words,
    }


def _entry_json(post: Post, renderer: _Renderer, fields: Sequence[str]) -> str:
    """``search_entry`` as compact JSON with sorted keys, from ``encoded_text_fields``."""
    head, words = fields
    d, s, t, u = (_json(v) for v in (renderer.human_date(post.date), _source(post), post.title, renderer.url(post.url)))
    return f'{{"d":{d},"k":{words},"s":{s},"t":{t},"u":{u},"x":{head or _json(post.summary)}}}'


def search_index(posts: list[Post], renderer: _Renderer, known: Callable[[Post], Sequence[str]] | None = None) -> bytes:
    """``/search-index.json``: one entry per post, in the order given (newest first); the
    bytes of ``json.dumps([search_entry(...)], separators=(",", ":"), sort_keys=True, ensure_ascii=False)``.

    ``known(post)`` may give a post's ``encoded_text_fields`` from a cache.
    """
    fields = known or (lambda p: encoded_text_fields(p.html, [t.name for t in p.tags]))
    out = io.BytesIO()  # entry by entry: joining 18 MB of strings, then encoding them, holds three copies
    out.write(b"[")
    for i, post in enumerate(posts):
        out.write((b"," if i else b"") + _entry_json(post, renderer, fields(post)).encode("utf-8"))
    out.write(b"]")
    return out.getvalue()


def search_files(posts: list[Post], renderer: _Renderer, known: Callable[[Post], Sequence[str]] | None = None) -> list[OutputFile]:
    """The search index and the search page, ready to publish."""
    return [OutputFile("search-index.json", search_index(posts, renderer, known)), renderer.render(SEARCH_PAGE)]
