"""Post URLs: which slug (``/posts/<slug>/``) each post gets, so a published URL never moves.

- A ``slug:`` in the front matter is the post's URL; ``new`` and ``fetch`` write one
  when they create a file, so files carry their own URLs. Two authored posts claiming
  the same slug is an error naming both; an imported article whose written slug another
  file holds (a fetch stopped before it settled its new files' slugs) is settled like a
  post without one, below. An author's ``slug:`` that the last build gave another post
  is an error too: that post's page would move.
- A post without one gets the slug of its title. When several such posts make the same
  slug, the one that had it in the last build keeps it (and every other keeps the
  ``-2``, ``-3``... it had): :class:`UrlMemory` remembers each file's slug in
  ``.cache/build/urls.json``. The others get the next free ``-N``, oldest first, and
  the build warns naming both files. Without that memory (a fresh clone, a deleted
  cache) the oldest post keeps the plain slug.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Container, Iterable, Mapping, Sequence

import orjson

from generator.content import slugify
from generator.errors import ContentError, ContentErrors
from generator.files import write_if_changed
from generator.models import Article

__all__ = ["SlugClash", "UrlMemory", "assign_slugs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlugClash:
    """Two posts whose titles make the same slug: ``holder`` has it, ``moved`` got ``given``."""

    slug: str
    holder: str  # article path
    moved: str
    given: str

    def warning(self) -> str:
        return (f"{self.moved} and {self.holder} both make the URL /posts/{self.slug}/: {self.holder} keeps it, "
                f"{self.moved} is at /posts/{self.given}/ (give it a 'slug:' to choose its URL)")


def _explicit(articles: Sequence[Article], previous: Mapping[str, str]) -> tuple[dict[str, int], list[int]]:
    """Slug -> index of the article that holds each slug set in front matter, and the
    imported articles whose written slug another file holds (they are settled like
    derived ones: a fetch killed before it settled its slugs must not stop the build).
    Two authored posts claiming one slug is an error naming both."""
    claims: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        if article.slug:
            claims.setdefault(article.slug, []).append(i)
    holders, demoted, errors = {}, [], []
    for slug, claimants in claims.items():
        authored = [i for i in claimants if not articles[i].source]
        for i in authored[1:]:
            errors.append(ContentError(articles[i].path, f"slug {slug!r} is also claimed by {articles[authored[0]].path}; give one of them another 'slug:'"))
        ranked = sorted(claimants, key=lambda i: (bool(articles[i].source), previous.get(articles[i].path) != slug, articles[i].date, articles[i].path))
        holders[slug] = ranked[0]
        demoted += [i for i in ranked[1:] if articles[i].source]
    errors += _published_urls_taken(articles, previous)
    if errors:
        raise ContentErrors(errors)
    return holders, demoted


def _published_urls_taken(articles: Sequence[Article], previous: Mapping[str, str]) -> list[ContentError]:
    """An author's ``slug:`` that the last build gave another post (one whose URL came from
    its title) would move that post's published page: an error naming both, not a warning."""
    by_path = {a.path: a for a in articles}
    had = {slug: path for path, slug in previous.items() if path in by_path and not by_path[path].slug}
    errors = []
    for article in articles:
        other = had.get(article.slug) if article.slug and not article.source else None
        if other and other != article.path:
            errors.append(ContentError(article.path, f"slug {article.slug!r} is the published URL of {other} (/posts/{article.slug}/); "
                                                     "a published URL never moves: give this post another 'slug:'"))
    return errors


def _one_of_its_slugs(previous: str | None, base: str) -> bool:
    """``previous`` is ``base`` or ``base-N``: a slug this post's title may have."""
    return previous is not None and (previous == base or re.fullmatch(re.escape(base) + r"-[0-9]+", previous) is not None)


def assign_slugs(articles: Sequence[Article], previous: Mapping[str, str] | None = None) -> tuple[list[str], list[SlugClash]]:
    """Each article's slug (see the module docstring) and the clashes among derived ones."""
    previous = previous or {}
    explicit, demoted = _explicit(articles, previous)
    slugs = [""] * len(articles)
    holders = {}
    for slug, i in explicit.items():
        slugs[i], holders[slug] = slug, articles[i].path
    unsettled = [i for i, a in enumerate(articles) if not a.slug] + demoted
    derived = sorted(unsettled, key=lambda i: (articles[i].date, articles[i].path))
    bases = {i: articles[i].slug or slugify(articles[i].title, articles[i].path) for i in derived}
    for i in derived:  # first, every post that keeps the URL the last build gave it
        kept = previous.get(articles[i].path)
        if kept and kept not in holders and _one_of_its_slugs(kept, bases[i]):
            slugs[i], holders[kept] = kept, articles[i].path
    clashes = []
    for i in derived:
        if slugs[i]:
            continue
        slug = free_slug(bases[i], holders)
        if slug != bases[i]:
            clashes.append(SlugClash(bases[i], holders[bases[i]], articles[i].path, slug))
        slugs[i], holders[slug] = slug, articles[i].path
    return slugs, clashes


class UrlMemory:
    """``.cache/build/urls.json``: article path -> the slug the last build gave it."""

    def __init__(self, folder: Path | None):
        self.path = folder / "urls.json" if folder is not None else None

    def load(self) -> dict[str, str]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = orjson.loads(self.path.read_bytes())
        except (ValueError, OSError) as exc:
            log.warning("%s: unreadable (%s); posts whose titles clash may change URL once", self.path, exc)
            return {}
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            return {}
        return data

    def save(self, before: Mapping[str, str], shown: Iterable[tuple[str, str]], existing: Iterable[str]) -> None:
        """Remember this build's slugs, and the earlier ones of files still there (drafts)."""
        if self.path is None:
            return
        files = set(existing)
        merged = {p: s for p, s in before.items() if p in files} | dict(shown)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(self.path, orjson.dumps(dict(sorted(merged.items()))))


# ---------------------------------------------------------------- slugs for new files (new, fetch)


def free_slug(base: str, taken: Container[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... the first no other post uses."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def slugs_in_use(content_dir: Path, timezone: str = "UTC", leave_out: Iterable[str] = ()) -> set[str]:
    """The slugs of every post under ``content_dir`` (drafts and future ones too), as a
    build without memory gives them; files that do not parse are skipped (the build
    reports them)."""
    from zoneinfo import ZoneInfo

    from generator.content import parse_article_bytes
    from generator.files import article_files

    tz, skip, articles = ZoneInfo(timezone), set(leave_out), []
    for rel in article_files(content_dir):
        if rel in skip:
            continue
        try:
            articles.append(parse_article_bytes((content_dir / rel).read_bytes(), rel, tz))
        except (ContentError, OSError):
            continue
    try:
        return set(assign_slugs(articles)[0])
    except ContentErrors:  # two files claim one slug: the build says so; both are in use
        return {a.slug or slugify(a.title, a.path) for a in articles}


def claim_slugs(content_dir: Path, new_files: Sequence[str], timezone: str = "UTC") -> list[str]:
    """Give each file a fetch just created (``new_files``, relative to ``content_dir``) a
    slug no other post uses, rewriting its ``slug:`` line when its own is taken; the
    files rewritten. Only files this run made are touched."""
    if not new_files:
        return []
    from generator.files import atomic_write

    taken = slugs_in_use(content_dir, timezone, leave_out=new_files)
    changed = []
    for rel in sorted(new_files):
        path = content_dir / rel
        text = path.read_text(encoding="utf-8")
        match = _SLUG_LINE.search(text)
        if match is None:  # write_article always writes one; a file without is not ours to edit
            continue
        slug = free_slug(match.group(1), taken)
        taken.add(slug)
        if slug != match.group(1):
            atomic_write(path, (text[: match.start(1)] + slug + text[match.end(1) :]).encode("utf-8"))
            changed.append(rel)
    return changed


# The slug line write_article puts in the front matter (slugify's alphabet: no quoting).
_SLUG_LINE = re.compile(r"\A---\n(?:(?!---\n).*\n)*?slug: ([a-z0-9-]+)\n")
