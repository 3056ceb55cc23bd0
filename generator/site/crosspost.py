"""Cross-posts: one article published in several places is shown as one post.

Detection runs at build time over the published articles of ``content/``; it is
deterministic (the same files give the same groups, whatever their order) and every
decision has a reason that ``build -v`` prints. Two files are copies of one article when

- **one names the other as its original**: a link in an "Originally published at ..."
  (or "first published", "cross-posted from", "canonical") paragraph whose URL, once
  normalised (``url_key``: tracking parameters, ``www.``, scheme, trailing slash and
  fragment removed), is the other file's ``original_url``; or
- **their titles are the same** once normalised (``title_key``) **and their texts are
  near-identical**: at least :data:`SIMILARITY` of their five-word phrases are shared
  (Jaccard), each text having at least :data:`MIN_SHINGLES` phrases. Two files of the
  same feed, or two of the site's own posts, never merge this way (not even through a
  third file), nor do two files whose authors are both given and differ.

Front matter overrides both: ``copy_of:`` (a content path such as
``devto/2024-01-05-x.md``, or the other copy's URL; one or a list) joins two files,
``not_copy_of:`` keeps them apart whatever the evidence.

Of a group, the **primary** copy is the one whose page is shown and whose URL is the
canonical link: a post written on this site, else the author's own blog (a copy not on
a cross-posting platform: :data:`SYNDICATION_HOSTS`, Forem), else the earliest. The
group's **URL** is that of its earliest copy (``Group.earliest``; ``assemble.py``
chooses, see ``_group_slug``), so a copy that arrives later, being published later,
leaves the URL as it was; every other copy's own URL becomes a redirect to it
(``Post.aliases``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from generator.models import Article

__all__ = [
    "SIMILARITY", "MIN_SHINGLES", "SHINGLE_WORDS", "CrossPosts", "Group", "find_crossposts", "url_key", "title_key",
    "declared_urls", "shingles", "similarity", "is_syndicated", "copy_label",
]

SHINGLE_WORDS = 5  # words per phrase: long enough that unrelated texts share almost none
# On the team's fixtures (tests/fixtures/crosspost/; `python bench/crosspost.py` prints
# every pair) copies score 0.63-0.90 (0.63: a paragraph rewritten and a line added) and
# posts that only share a title 0.00-0.19 (weekly notes sharing their opening and closing
# lines). The threshold sits in that gap, nearer the copies: a wrong merge hides a post,
# a missed one only shows it twice.
SIMILARITY = 0.5
MIN_SHINGLES = 12  # fewer phrases than this ("Hello world!") cannot tell two posts apart
MAX_TITLE_GROUP = 64  # files sharing one title ("Weekly notes") compared pairwise at most
SYNDICATION_HOSTS = {"dev.to": "dev.to", "medium.com": "Medium", "hashnode.com": "Hashnode", "hashnode.dev": "Hashnode"}
# Query parameters two copies' links may differ by: campaign tags, Ghost's ?ref=, Medium's
# ?source= (wider than what the normaliser strips from links: here nothing is rewritten).
IGNORED_PARAMS = re.compile(r"^(utm_[a-z]+|mc_[a-z]+|fbclid|gclid|ref|source|sk|gi)$")
ORIGINAL_PHRASE = re.compile(
    r"\b(originally|first)\s+(published|posted|appeared|written)\b|\bcross-?posted\s+from\b|\bcanonical\b", re.I
)
# Linear on any text: every alternative, once started, matches (no closing mark required).
ORIGINAL_WORDS = re.compile(r"originally|first\s+(?:published|posted|appeared|written)|cross-?posted|canonical")  # of lowered text
LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)|<(https?://[^>\s]+)|\bhref=[\"']([^\"'\s>]+)|(?<![(<\"'\w])(https?://[^\s)\]>\"']+)")
# Link targets, addresses, tags and attribute lists: not the text (CDNs and ?ref= differ
# between copies). Each bracketed form stops at the next opening mark: linear too.
NOT_WORDS = re.compile(r"\]\([^()\[\]\n]*\)|https?://\S*|<[^<>\n]*>|\{:[^{}\n]*\}")
MAX_NOTE = 2_000  # characters: a paragraph saying where a text was first published is a short note
MAX_TEXT = 200_000  # characters of a text compared with another (the rest cannot change the verdict much)


@dataclass(frozen=True)
class Group:
    """Files that are one article: the primary's page shows it, the others are credited."""

    primary: str  # content path of the copy whose page is shown
    earliest: tuple[str, ...]  # the copies of the earliest date: the page takes one of their URLs
    members: tuple[str, ...]  # every copy, the primary first, then by date
    reasons: tuple[str, ...]  # why, one line per link that joined them


@dataclass
class CrossPosts:
    """What detection found: the groups, and every file that took part in it."""

    groups: list[Group] = field(default_factory=list)
    candidates: set[str] = field(default_factory=set)  # files whose body can change a decision
    apart: list[str] = field(default_factory=list)  # "a and b: ..." for same-title pairs kept apart
    problems: list[str] = field(default_factory=list)  # override keys naming no file

    def folded(self) -> list[str]:
        """Files shown through another file's page."""
        return sorted(m for g in self.groups for m in g.members if m != g.primary)


# ---------------------------------------------------------------- keys


def url_key(url: str) -> str:
    """A URL as copies compare it: no scheme, ``www.``, port 80/443, fragment, trailing
    slash or tracking parameters; the rest of the query sorted. "" for a non-web URL."""
    try:
        parts = urlsplit((url or "").strip())
        hostname = parts.hostname
    except ValueError:  # "https://]": not an address
        return ""
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return ""
    host = hostname.lower().removeprefix("www.")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not IGNORED_PARAMS.match(k))
    return urlunsplit(("", host, parts.path.rstrip("/") or "/", urlencode(query), "")).lstrip("/")


def title_key(title: str) -> str:
    """A title as copies compare it: case, accents' width forms, punctuation and spacing folded."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""


def _known_host(url: str) -> str:
    """The SYNDICATION_HOSTS key ``url`` is on (subdomains count), else ""."""
    host = _host(url)
    return next((known for known in SYNDICATION_HOSTS if host == known or host.endswith("." + known)), "")


def is_syndicated(article: Article) -> bool:
    """On a cross-posting platform (dev.to and other Forems, Medium, Hashnode), not the
    author's own blog."""
    return article.platform == "forem" or bool(_known_host(article.original_url))


def copy_label(article: Article, source_title: str) -> str:
    """How a page names the place a copy lives: "dev.to", "Medium", else its feed's title."""
    known = _known_host(article.original_url)
    return SYNDICATION_HOSTS[known] if known else source_title or _host(article.original_url) or "this site"


# ---------------------------------------------------------------- evidence from the text


def declared_urls(markdown: str, own_url: str = "") -> tuple[str, ...]:
    """URL keys of the links in paragraphs that say where the text was first published.

    A paragraph that links to the file's own URL is a platform's footer, not a claim
    (Medium: "<title> was originally published in <publication> on Medium").
    """
    if not ORIGINAL_WORDS.search(markdown.lower()):  # most texts: one scan, no paragraphs
        return ()
    own, found = url_key(own_url), {}
    for paragraph in re.split(r"\n[ \t]*\n", markdown):
        if len(paragraph) <= MAX_NOTE and ORIGINAL_PHRASE.search(paragraph):
            keys = [url_key(next(g for g in match.groups() if g)) for match in LINK_TARGET.finditer(paragraph)]
            if not own or own not in keys:
                found.update(dict.fromkeys(k for k in keys if k))
    return tuple(found)


def _plain_words(markdown: str) -> list[str]:
    """The words of a Markdown text (its first MAX_TEXT characters), NOT_WORDS left out,
    code kept."""
    text = NOT_WORDS.sub(" ", markdown[:MAX_TEXT])
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def shingles(markdown: str) -> frozenset[str]:
    """The text's phrases of SHINGLE_WORDS consecutive words."""
    words = _plain_words(markdown)
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two phrase sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _same_author(a: str, b: str) -> bool:
    """Unknown, equal, or one name's words within the other's ("Ann Lee", "Ann")."""
    x, y = set(title_key(a).split()), set(title_key(b).split())
    return not x or not y or x <= y or y <= x


# ---------------------------------------------------------------- grouping


class _Joiner:
    """Union-find over content paths that refuses to join files kept apart."""

    def __init__(self, paths: Iterable[str], apart: set[frozenset[str]]):
        self.groups: dict[str, list[str]] = {p: [p] for p in paths}  # root -> members
        self.root_of = {p: p for p in self.groups}
        self.apart = apart
        self.reasons: dict[str, list[str]] = defaultdict(list)

    def join(self, a: str, b: str, reason: str, origins: dict[str, str] | None = None) -> bool:
        """Join the groups of ``a`` and ``b``, unless a pair across them is kept apart, or
        (given ``origins``) they hold files of one origin: text alone never merges those."""
        ra, rb = self.root_of[a], self.root_of[b]
        if ra == rb or any(frozenset((x, y)) in self.apart for x in self.groups[ra] for y in self.groups[rb]):
            return False
        if origins and {origins[p] for p in self.groups[ra]} & {origins[p] for p in self.groups[rb]}:
            return False
        keep, gone = sorted((ra, rb))
        for path in self.groups[gone]:
            self.root_of[path] = keep
        self.groups[keep] += self.groups.pop(gone)
        self.reasons[keep] += self.reasons.pop(gone, []) + [reason]
        return True


def _origin(article: Article) -> str:
    return article.source or "\0site"


def _resolve(value: str, by_path: dict[str, Article], by_url: dict[str, list[str]]) -> list[str]:
    value = value.strip()
    if value in by_path:
        return [value]
    return by_url.get(url_key(value), [])


def _overrides(articles: list[Article], by_path: dict[str, Article], by_url: dict[str, list[str]], result: CrossPosts) -> tuple[list[tuple[str, str, str]], set[frozenset[str]]]:
    """(a, b, reason) for each ``copy_of``, and the pairs ``not_copy_of`` keeps apart."""
    joins, apart = [], set()
    for article in articles:
        for key, values in (("copy_of", article.copy_of), ("not_copy_of", article.not_copy_of)):
            for value in values:
                others = [p for p in _resolve(value, by_path, by_url) if p != article.path]
                if not others:
                    result.problems.append(f"{article.path}: '{key}: {value}' names no published article (a content path such as feed/2024-01-05-title.md, or its URL)")
                result.candidates.update([article.path, *others])
                for other in others:
                    if key == "copy_of":
                        joins.append((article.path, other, f"{article.path} says it is a copy of {other} (copy_of)"))
                    else:
                        apart.add(frozenset((article.path, other)))
    return joins, apart


def _declared_links(articles: list[Article], declared: Callable[[Article], Sequence[str]], by_url: dict[str, list[str]], result: CrossPosts) -> list[tuple[str, str, str]]:
    links = []
    for article in articles:
        named = declared(article)
        if named:
            result.candidates.add(article.path)
        for key in named:
            for other in by_url.get(key, []):
                if other != article.path:
                    result.candidates.add(other)
                    links.append((article.path, other, f"{article.path} names {other}'s URL as where it was first published"))
    return links


def _similar_titles(articles: list[Article], body: Callable[[Article], str], result: CrossPosts) -> list[tuple[float, str, str, str]]:
    """(score, a, b, reason) for same-title files of different origins whose texts match."""
    by_title: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_title[title_key(article.title)].append(article)
    found = []
    for _title, same in sorted(by_title.items()):
        if len({_origin(a) for a in same}) < 2 or len(same) > MAX_TITLE_GROUP:
            continue
        result.candidates.update(a.path for a in same)
        phrases = {a.path: shingles(body(a)) for a in same}
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if _origin(a) == _origin(b):
                    continue
                if not _same_author(a.author, b.author):
                    result.apart.append(f"{a.path} and {b.path}: same title, different authors ({a.author}; {b.author})")
                    continue
                score = similarity(phrases[a.path], phrases[b.path])
                short = min(len(phrases[a.path]), len(phrases[b.path])) < MIN_SHINGLES
                shared = f"same title, {score:.0%} of their five-word phrases shared"
                if score >= SIMILARITY and not short:
                    found.append((score, a.path, b.path, f"{a.path} and {b.path}: {shared}"))
                else:
                    result.apart.append(f"{a.path} and {b.path}: {shared}" + (" (too short to tell)" if short else ""))
    return found


def find_crossposts(articles: Sequence[Article], declared: Callable[[Article], Sequence[str]], body: Callable[[Article], str]) -> CrossPosts:
    """Group the published articles that are copies of one another (see the module docstring).

    ``declared`` gives the URL keys an article names as its original (``declared_urls``
    of its body, perhaps cached); ``body`` its Markdown, asked only of files that share
    a title with a file of another origin.
    """
    ordered = sorted(articles, key=lambda a: a.path)
    by_path = {a.path: a for a in ordered}
    by_url: dict[str, list[str]] = defaultdict(list)
    for article in ordered:
        if url_key(article.original_url):
            by_url[url_key(article.original_url)].append(article.path)
    result = CrossPosts()
    joins, apart = _overrides(ordered, by_path, by_url, result)
    joiner = _Joiner(by_path, apart)
    for a, b, reason in joins + _declared_links(ordered, declared, by_url, result):
        joiner.join(a, b, reason)
    origins = {a.path: _origin(a) for a in ordered}
    for _, a, b, reason in sorted(_similar_titles(ordered, body, result), key=lambda f: (-f[0], f[1], f[2])):
        joiner.join(a, b, reason, origins)
    for root, paths in sorted(joiner.groups.items()):
        if len(paths) > 1:
            result.groups.append(_group([by_path[p] for p in paths], joiner.reasons[root]))
    return result


def _group(members: list[Article], reasons: list[str]) -> Group:
    by_date = sorted(members, key=lambda a: (a.date, a.path))
    primary = min(by_date, key=lambda a: (bool(a.source), is_syndicated(a)))  # min() keeps the earliest of equals
    order = [primary, *(a for a in by_date if a is not primary)]
    earliest = tuple(a.path for a in by_date if a.date == by_date[0].date)
    return Group(primary.path, earliest, tuple(a.path for a in order), tuple(reasons))
