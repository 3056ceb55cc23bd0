"""The normalise stage: one parsed feed Entry in, one clean Markdown Article out.

    Entry.content ─► (Markdown bodies: markdown-it-py -> HTML) ─► sanitise (nh3 allowlist)
      ─► per-platform clean-up (forem, ghost, gridsome) ─► generic clean-up
      ─► to_markdown ─► links re-checked ─► Article

Titles, authors, tags and summaries are plain text. The item's link and feature image
are kept only as absolute http(s) URLs (``urls.http_url``); the one link the normaliser
writes itself (an excerpt's "Read the full article") is a ``<...>`` destination with
escaped text. The same Entry always gives the
same Article, byte for byte. A hostile or broken item never raises: the worst it gets
is an article that links to its original.
"""

from __future__ import annotations

import html
import re
import warnings
from dataclasses import dataclass
from typing import Callable

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from generator.content import DATE_UNKNOWN
from generator.models import Article, Entry, FeedSource
from generator.normalise.commonmark import escape_text
from generator.normalise.depth import flatten_deep
from generator.normalise.forem import clean_forem
from generator.normalise.generic import clean_generic
from generator.normalise.ghost import clean_ghost
from generator.normalise.gridsome import clean_gridsome, markdown_to_html
from generator.normalise.limits import HTML_FACTOR, MAX_AUTHOR, MAX_TAG, MAX_TAGS, MAX_TITLE, cap_markdown, cut_html
from generator.normalise.sanitise import EMBED_HOSTS, safe_url, sanitise_html
from generator.normalise.summary import make_summary, shorten
from generator.normalise.to_markdown import html_to_markdown
from generator.text import plain_text, writable
from generator.urls import http_url, markdown_destination

__all__ = ["Normalised", "normalise_item", "normalise_entry", "DEFAULT_BODY_BYTES", "convert_body", "body_to_html", "recheck_links", "EMBED_HOSTS"]

CLEANERS: dict[str, Callable[[BeautifulSoup, str], None]] = {
    "forem": clean_forem,
    "ghost": clean_ghost,
    "gridsome": clean_gridsome,
}
DEFAULT_BODY_BYTES = 512 * 1024  # Markdown of one article; a longer body is cut with a note
PAGE_FACTOR = 4  # a whole page's head and chrome may come before its article
# "](" opens a link target unless its "]" is escaped (an odd number of backslashes).
LINK_TARGET = re.compile(r"((?<!\\)(?:\\\\)*\]\(\s*<?)([^)\s>]*)|((?:href|src|poster|cite)\s*=\s*[\"']?\s*)([^\"'\s>]*)", re.I)


def body_to_html(content: str, content_type: str) -> str:
    """The body as HTML whatever the feed gave: Markdown is rendered, text is escaped."""
    if content_type == "markdown":
        return markdown_to_html(content)
    if content_type == "text":
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", content) if p.strip()]
        return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return content


def _main_part(page: str) -> str:
    """A whole HTML page given to ``convert``: keep its one <article>, else its <body>."""
    if not re.search(r"<(html|body)[\s>]", page[:5000], re.I):
        return page
    soup = BeautifulSoup(page, "html.parser")
    articles = soup.find_all("article")
    part = articles[0] if len(articles) == 1 else (soup.body or soup)
    return part.decode_contents()


# Fenced blocks and code spans are text, not links: the re-check leaves them alone.
CODE_PARTS = re.compile(r"^(`{3,})[^\n]*\n.*?\n\1[ \t]*$|(`+)[^`\n].*?(?<!`)\2(?!`)", re.M | re.S)


def recheck_links(markdown: str) -> str:
    """Defence in depth: any link target in the Markdown that is not http(s), mailto,
    a fragment or relative - however encoded - is replaced by ``#``. Code is skipped."""

    def fix(match: re.Match[str]) -> str:
        prefix, target = (match.group(1), match.group(2)) if match.group(1) is not None else (match.group(3), match.group(4))
        return prefix + (target if safe_url(target) else "#")

    out, last = [], 0
    for code in CODE_PARTS.finditer(markdown):
        out.append(LINK_TARGET.sub(fix, markdown[last : code.start()]))
        out.append(code.group(0))
        last = code.end()
    out.append(LINK_TARGET.sub(fix, markdown[last:]))
    return "".join(out)


def _clean_tree(content: str, content_type: str, platform: str, title: str) -> BeautifulSoup:
    # flat first: the sanitiser's parser is quadratic in nesting depth, and the rest recursive
    body = sanitise_html(flatten_deep(body_to_html(content, content_type)))
    with warnings.catch_warnings():  # a body that is one word ("notes.txt") is text, not a path
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(body, "html.parser")
    cleaner = CLEANERS.get(platform)
    if cleaner is not None:
        cleaner(soup, title)
    clean_generic(soup, title)
    return soup


def convert_body(content: str, content_type: str = "html", base_url: str = "", platform: str = "generic", title: str = "") -> str:
    """One body (HTML, Markdown or text) -> safe Markdown for the site's renderer."""
    soup = _clean_tree(_main_part(content) if content_type == "html" else content, content_type, platform, title)
    return recheck_links(html_to_markdown(soup, base_url, platform))


def _original_link(entry: Entry) -> str:
    """The item's own URL as a Markdown link destination ("" when it has no http(s) URL)."""
    link = http_url(entry.link, entry.base_url)
    return markdown_destination(link) if link else ""


def _where(entry: Entry) -> str:
    """The feed's title as Markdown text: whatever it holds stays words."""
    return escape_text(plain_text(entry.feed_title)) or "the original site"


def _excerpt_note(entry: Entry) -> str:
    link, where = _original_link(entry), _where(entry)
    if not link:
        return f"*This is an excerpt; the full article is on {where}.*"
    return f"*This is an excerpt.* [Read the full article on {where}]({link})"


def _cut_note(entry: Entry) -> str:
    link, where = _original_link(entry), _where(entry)
    if not link:
        return f"*This article is longer than this site keeps; the rest is on {where}.*"
    return f"*This article is longer than this site keeps.* [Read the rest on {where}]({link})"


def _tags(entry: Entry, source: FeedSource) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for tag in (*entry.tags, *source.tags):
        text = plain_text(tag)
        if text and len(text) <= MAX_TAG and text.casefold() not in seen:
            seen[text.casefold()] = text
    return tuple(seen.values())[:MAX_TAGS]


def _feature_image(entry: Entry, markdown: str) -> str:
    """The feed's feature image, unless the body already shows it (Ghost repeats it)."""
    image = http_url(entry.image, entry.base_url or entry.link)
    if not image:
        return ""
    stem = re.sub(r"/size/w\d+", "", image).rsplit("/", 1)[-1].split("?")[0]
    return "" if stem and stem in markdown else image


@dataclass(frozen=True)
class Normalised:
    """One normalised item; ``cut`` when its body was over the size cap."""

    article: Article
    cut: bool = False


def _capped_html(entry: Entry, max_body_bytes: int) -> tuple[str, bool]:
    """The body as HTML, cut at a block end when far over the cap (so a 5 MiB item costs
    what its kept part costs), before the sanitiser sees it."""
    limit = int(HTML_FACTOR * max_body_bytes)
    if entry.content_type == "html":  # a whole page is parsed to find its article: cut it first too
        content = _main_part(cut_html(entry.content, PAGE_FACTOR * limit)[0])
    else:
        content = entry.content
    return cut_html(body_to_html(content, entry.content_type), limit)


def normalise_item(entry: Entry, source: FeedSource, max_body_bytes: int = DEFAULT_BODY_BYTES) -> Normalised:
    """The Article for one Entry: safe Markdown body of at most ``max_body_bytes`` and
    plain-text metadata."""
    title = shorten(plain_text(entry.title), MAX_TITLE) or "Untitled"
    base = entry.base_url or entry.link
    body_html, cut = _capped_html(entry, max_body_bytes)
    soup = _clean_tree(body_html, "html", entry.platform, title)
    summary = writable(make_summary(plain_text(entry.summary), soup))
    body = recheck_links(html_to_markdown(soup, base, entry.platform))
    if entry.is_excerpt:
        body = (body.rstrip("\n") + "\n\n" if body.strip() else "") + _excerpt_note(entry) + "\n"
    note = _cut_note(entry)
    if cut:  # the HTML was cut: say so even when the Markdown of the rest fits
        body = (body.rstrip("\n") + "\n\n" if body.strip() else "") + note + "\n"
    body, cut_now = cap_markdown(body, max_body_bytes, note)
    article = Article(
        title=title,
        date=entry.published,
        updated=entry.updated,
        body=body,
        tags=_tags(entry, source),
        summary=summary,
        author=shorten(plain_text(entry.author), MAX_AUTHOR),
        source=entry.source,
        platform=entry.platform,
        original_url=http_url(entry.link, entry.base_url),  # "" past urls.MAX_URL_LENGTH too
        guid=entry.id,
        image=_feature_image(entry, body),
        extra=() if entry.date_known else ((DATE_UNKNOWN, True),),  # its date is a stand-in: pages say so
    )
    return Normalised(article, cut or cut_now)


def normalise_entry(entry: Entry, source: FeedSource) -> Article:
    """The Article for one Entry: safe Markdown body and plain-text metadata."""
    return normalise_item(entry, source).article
