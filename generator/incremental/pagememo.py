"""Page digests: what each page's template saw, so that an unchanged page is not rendered.

See :class:`PageMemo`. The build keeps each page's digest in the output manifest; a
page whose digest is the same as last time, and whose file is still on disk as the
last build left it, is kept as it is.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Iterable

from generator.incremental.digests import digest_parts
from generator.incremental.frontmatter import date_to_json
from generator.incremental.manifest import ListingRow

__all__ = ["PageMemo"]

_encode_str = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False), without an encoder per call


class PageMemo:
    """Digests of what each page's template sees, to skip pages whose inputs did not change.

    A page's digest covers the templates, config, code and assets (``globals_key``), the
    page's URL, template and output path, and its context serialised to JSON, where
    each post stands for one of two keys:

    - its *full* key, for a post the page read in full (``Post.DEEP``: its HTML or
      article): the digest of its source file (which fixes its front matter and HTML)
      plus everything assembled around it (slug, summary, tags, source);
    - its *listing* key otherwise: a digest of ``Post.listing_fields()`` only.

    Which posts a page read in full is what its last rendering read (``Renderer.reads``,
    kept in the manifest as article paths); a page never rendered before counts every
    post as read in full. This is exact: a template's output, and so what it reads,
    changes only when something it read changed. A context holding anything else
    unknown gets no digest, so that page is always rendered.
    """

    def __init__(self, globals_key: str, posts: Iterable[Any], file_shas: dict[str, str], post_type: type):
        self.globals_key = globals_key
        self._post_type = post_type
        self._posts: dict[int, str] = {}
        self._light: dict[int, str] = {}
        self._ids: dict[str, int] = {}  # article path -> id of its post
        self._listings: list[ListingRow] = []
        self._paths: dict[int, str] = {}
        self._shared: dict[tuple[int, frozenset[int] | None], str] = {}
        self._keys: dict[Any, str] = {}
        self._deep: frozenset[int] | None = None  # posts the page being digested read in full (None: all)
        self._encoder = json.JSONEncoder(default=self._default, ensure_ascii=False, check_circular=False, separators=(",", ":"))
        for post in posts:
            sha = file_shas.get(post.article.path)
            if sha:
                # The file (sha) fixes the front matter, HTML, toc, reading time and the
                # summary (with the config, in globals_key); what else a post shows comes
                # from other files: its unique slug, its tags' slugs and the spelling the
                # site shows (the most used), its feed's details, and the copies a cross-post
                # credits (and takes tags from).
                own = f"{post.slug}\0{[(t.slug, t.name) for t in post.tags]!r}\0{post.source!r}\0{post.copies!r}\0{post.aliases!r}"
                self._posts[id(post)] = digest_parts([sha, post.article.path, own])
                self._light[id(post)] = digest_parts([post.article.path, repr(post.listing_fields())])
                self._ids[post.article.path] = id(post)
                self._paths[id(post)] = post.article.path
            self._listings.append(ListingRow(post.article.path, self._light.get(id(post), ""), self._posts.get(id(post), ""), post.slug, post.article.source))

    def listings(self) -> list[ListingRow]:
        """Every post as listings show it, in order ("" for a key unknown)."""
        return self._listings

    def post_keys(self, posts: Iterable[Any]) -> list[str]:
        """Each post's full digest (its file and what was assembled around it); KeyError if unknown."""
        return [self._posts[id(p)] for p in posts]

    def read_in_full(self, paths: Iterable[str] | None) -> frozenset[int] | None:
        """The posts (ids) with these article paths; None (every post) when not known."""
        if paths is None:
            return None
        return frozenset(self._ids[p] for p in paths if p in self._ids)

    def paths_of(self, ids: Iterable[int]) -> list[str]:
        """Article paths of the posts with these ids, sorted (for the manifest)."""
        return sorted(self._paths[i] for i in ids if i in self._paths)

    def _post_key(self, post: Any) -> str:
        pid = id(post)
        if self._deep is None or pid in self._deep:
            return self._posts[pid]
        return "L" + self._light[pid]

    def _encode(self, value: Any) -> str:
        """JSON of a context, with posts, dicts, lists and strings written here rather than
        through the encoder's ``default`` hook (a tenth of a one-edit build); a big list
        shared by many pages (pagination) is encoded once per set of posts read in full."""
        kind = type(value)  # exact types first: this runs 65,000 times in a 5,000-post build
        if kind is self._post_type:
            return '{"@post":"%s"}' % self._post_key(value)
        if kind is str:
            return _encode_str(value)
        if value is None:
            return "null"
        if kind is dict:
            return "{" + ",".join([self._key(k) + self._encode(v) for k, v in value.items()]) + "}"
        if isinstance(value, self._post_type):
            return '{"@post":"%s"}' % self._post_key(value)
        if isinstance(value, str):
            return _encode_str(value)
        if isinstance(value, dict):
            return "{" + ",".join([self._key(k) + self._encode(v) for k, v in value.items()]) + "}"
        if isinstance(value, (list, tuple)):
            if len(value) <= 32:
                return "[" + ",".join(map(self._encode, value)) + "]"
            # Keyed by id: safe because every page (so every list) lives until the build ends.
            shared = (id(value), self._deep)
            hit = self._shared.get(shared)
            if hit is None:
                hit = self._shared[shared] = "[" + ",".join(map(self._encode, value)) + "]"
            return hit
        return self._encoder.encode(value)

    def _key(self, key: Any) -> str:
        text = self._keys.get(key)
        if text is None:
            text = self._keys[key] = json.dumps(str(key)) + ":"
        return text

    def _default(self, value: Any) -> Any:
        if isinstance(value, self._post_type):
            return {"@post": self._post_key(value)}
        if isinstance(value, datetime):
            return {"@dt": date_to_json(value)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {"@" + type(value).__name__: [getattr(value, f.name) for f in dataclasses.fields(value)]}
        raise TypeError(f"no digest for {type(value).__name__}")

    def digest(self, page: Any, read_in_full: frozenset[int] | None = None) -> str | None:
        """The page's digest, given which posts it reads in full (None: all of them)."""
        self._deep = read_in_full
        try:
            text = self._encode(page.context)
        except (TypeError, KeyError, ValueError):
            return None
        finally:
            self._deep = None
        return digest_parts([self.globals_key, page.url, page.template, page.output, text])
