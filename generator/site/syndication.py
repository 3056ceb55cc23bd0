"""The site's own machine-readable outputs: RSS 2.0, Atom 1.0, JSON Feed 1.1, sitemap, robots.txt.

Every URL inside them is absolute (relative links in article HTML are resolved against
the article's URL), and every date comes from the articles, never from the clock, so
the same content always gives the same bytes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import urljoin
from xml.sax.saxutils import escape, quoteattr

from generator.models import OutputFile, SiteConfig
from generator.site.assemble import Post, group_by_tag

__all__ = ["site_feeds", "sitemap", "robots", "preview_headers", "moved_redirects", "absolutize"]

_URL_ATTR = re.compile(r"""(?P<pre>\s(?:href|src|poster)=)(?P<q>["'])(?P<url>.*?)(?P=q)""", re.IGNORECASE)
_SRCSET = re.compile(r"""(?P<pre>\ssrcset=)(?P<q>["'])(?P<val>.*?)(?P=q)""", re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def absolutize(html_text: str, base: str) -> str:
    """Resolve every href/src/poster/srcset in ``html_text`` against ``base``."""

    def fix(match: re.Match[str]) -> str:
        url = match.group("url")
        resolved = urljoin(base, url) if not url.startswith(("#", "mailto:", "data:")) else url
        if url.startswith("#"):
            resolved = base + url
        return f"{match.group('pre')}{match.group('q')}{resolved}{match.group('q')}"

    def fix_srcset(match: re.Match[str]) -> str:
        parts = []
        for candidate in match.group("val").split(","):
            bits = candidate.strip().split(maxsplit=1)
            if bits:
                parts.append(" ".join([urljoin(base, bits[0]), *bits[1:]]))
        return f"{match.group('pre')}{match.group('q')}{', '.join(parts)}{match.group('q')}"

    return _SRCSET.sub(fix_srcset, _URL_ATTR.sub(fix, html_text))


def _rss_date(post: Post) -> str:
    """The item's ``<pubDate>`` line; none for a post whose feed gave no date."""
    if post.date_unknown:
        return ""
    return f"\n      <pubDate>{format_datetime(post.date.astimezone(timezone.utc), usegmt=True)}</pubDate>"


def _atom_published(post: Post) -> str:
    if post.date_unknown:
        return ""
    return f"\n    <published>{post.date.astimezone(timezone.utc).isoformat()}</published>"


def _updated(posts: list[Post]) -> datetime:
    return max((p.article.updated or p.date for p in posts), default=_EPOCH)


def _rss(site: SiteConfig, title: str, page_url: str, feed_url: str, posts: list[Post], absolute: Callable[[str], str], content: Callable[[str, str], str] = absolutize) -> str:
    items = []
    for post in posts:
        link = absolute(post.url)
        author = f"\n      <dc:creator>{escape(post.author)}</dc:creator>" if post.author else ""
        cats = "".join(f"\n      <category>{escape(t.name)}</category>" for t in post.tags)
        items.append(
            f"""    <item>
      <title>{escape(post.title)}</title>
      <link>{escape(link)}</link>
      <guid isPermaLink="true">{escape(link)}</guid>{_rss_date(post)}{author}{cats}
      <description>{escape(post.summary)}</description>
      <content:encoded>{escape(content(post.html, link))}</content:encoded>
    </item>"""
        )
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(title)}</title>
    <link>{escape(absolute(page_url))}</link>
    <description>{escape(site.description)}</description>
    <language>{escape(site.language)}</language>
    <lastBuildDate>{format_datetime(_updated(posts).astimezone(timezone.utc), usegmt=True)}</lastBuildDate>
    <atom:link href={quoteattr(absolute(feed_url))} rel="self" type="application/rss+xml"/>
{body}
  </channel>
</rss>
"""


def _atom(site: SiteConfig, title: str, page_url: str, feed_url: str, posts: list[Post], absolute: Callable[[str], str], content: Callable[[str, str], str] = absolutize) -> str:
    entries = []
    for post in posts:
        link = absolute(post.url)
        author = post.author or site.author
        cats = "".join(f"\n    <category term={quoteattr(t.name)}/>" for t in post.tags)
        entries.append(
            f"""  <entry>
    <title>{escape(post.title)}</title>
    <link rel="alternate" type="text/html" href={quoteattr(link)}/>
    <id>{escape(link)}</id>{_atom_published(post)}
    <updated>{(post.article.updated or post.date).astimezone(timezone.utc).isoformat()}</updated>
    <author><name>{escape(author)}</name></author>{cats}
    <summary>{escape(post.summary)}</summary>
    <content type="html">{escape(content(post.html, link))}</content>
  </entry>"""
        )
    body = "\n".join(entries)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(site.language)}>
  <title>{escape(title)}</title>
  <subtitle>{escape(site.description)}</subtitle>
  <link rel="alternate" type="text/html" href={quoteattr(absolute(page_url))}/>
  <link rel="self" type="application/atom+xml" href={quoteattr(absolute(feed_url))}/>
  <id>{escape(absolute(page_url))}</id>
  <updated>{_updated(posts).astimezone(timezone.utc).isoformat()}</updated>
  <author><name>{escape(site.author)}</name></author>
{body}
</feed>
"""


def _json_feed(site: SiteConfig, title: str, page_url: str, feed_url: str, posts: list[Post], absolute: Callable[[str], str], content: Callable[[str, str], str] = absolutize) -> str:
    items = []
    for post in posts:
        link = absolute(post.url)
        item: dict[str, Any] = {
            "id": link,
            "url": link,
            "title": post.title,
            "content_html": content(post.html, link),
            "summary": post.summary,
            "date_published": post.date.astimezone(timezone.utc).isoformat(),
            "tags": [t.name for t in post.tags],
        }
        if post.date_unknown:  # a stand-in date is no publication date (Atom needs an <updated>: it keeps one)
            del item["date_published"]
        if post.article.updated:
            item["date_modified"] = post.article.updated.astimezone(timezone.utc).isoformat()
        if post.author:
            item["authors"] = [{"name": post.author}]
        if post.article.original_url:
            item["external_url"] = post.article.original_url
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": absolute(page_url),
        "feed_url": absolute(feed_url),
        "description": site.description,
        "language": site.language,
        "authors": [{"name": site.author}],
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def site_feeds(site: SiteConfig, posts: list[Post], absolute: Callable[[str], str]) -> list[OutputFile]:
    """``/feed.xml``, ``/atom.xml``, ``/feed.json`` and ``/tags/<tag>/feed.xml`` (+ atom)."""
    latest = posts[: site.feed_items]
    # A post is in up to three site feeds and two per tag: resolve its links once per build.
    content = lru_cache(maxsize=None)(absolutize)
    files = [
        OutputFile("feed.xml", _rss(site, site.title, "/", "/feed.xml", latest, absolute, content).encode()),
        OutputFile("atom.xml", _atom(site, site.title, "/", "/atom.xml", latest, absolute, content).encode()),
        OutputFile("feed.json", _json_feed(site, site.title, "/", "/feed.json", latest, absolute, content).encode()),
    ]
    for tag, tagged in group_by_tag(posts).items():
        title = f"{site.title}: {tag.name}"
        chunk = tagged[: site.feed_items]
        folder = tag.url.lstrip("/")  # the tag page's URL is assemble's: its feeds sit beside it
        files.append(OutputFile(f"{folder}feed.xml", _rss(site, title, tag.url, f"{tag.url}feed.xml", chunk, absolute, content).encode()))
        files.append(OutputFile(f"{folder}atom.xml", _atom(site, title, tag.url, f"{tag.url}atom.xml", chunk, absolute, content).encode()))
    return files


def sitemap(urls: list[tuple[str, datetime | None]], absolute: Callable[[str], str]) -> OutputFile:
    """``/sitemap.xml`` listing each page once, with its last change when known."""
    rows = []
    for url, modified in sorted(set(urls), key=lambda u: u[0]):
        lastmod = f"<lastmod>{modified.astimezone(timezone.utc).strftime('%Y-%m-%d')}</lastmod>" if modified else ""
        rows.append(f"  <url><loc>{escape(absolute(url))}</loc>{lastmod}</url>")
    text = '<?xml version="1.0" encoding="utf-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    return OutputFile("sitemap.xml", (text + "\n".join(rows) + "\n</urlset>\n").encode())


def robots(absolute: Callable[[str], str], noindex: bool = False) -> OutputFile:
    rule = "Disallow: /" if noindex else "Allow: /"
    return OutputFile("robots.txt", f"User-agent: *\n{rule}\n\nSitemap: {absolute('/sitemap.xml')}\n".encode())


def preview_headers() -> OutputFile:
    """Netlify ``_headers`` for a preview build: keep every page out of search engines.

    Headers in netlify.toml apply to every deploy alike, so a preview says it here.
    """
    return OutputFile("_headers", b"/*\n  X-Robots-Tag: noindex, nofollow\n")


def moved_redirects(moves: list[tuple[str, str]], url: Callable[[str], str]) -> OutputFile:
    """Netlify ``_redirects``: each (old, new) site path a permanent redirect (301), forced
    over the small page left at the old path (which other hosts serve: it links the new)."""
    return OutputFile("_redirects", "".join(f"{url(old)} {url(new)} 301!\n" for old, new in moves).encode())
