"""The normalise stage: one parsed feed Entry in, one clean Markdown Article out.

(Placeholder interface while the real normaliser is built: it sanitises the HTML and
keeps it as the body. To be replaced by the per-platform converters.)
"""

from __future__ import annotations

import nh3

from ..models import Article, Entry, FeedSource

__all__ = ["normalise_entry"]


def normalise_entry(entry: Entry, source: FeedSource) -> Article:
    body = nh3.clean(entry.content) if entry.content_type == "html" else entry.content
    return Article(
        title=entry.title,
        date=entry.published,
        updated=entry.updated,
        body=body,
        tags=tuple(dict.fromkeys((*entry.tags, *source.tags))),
        summary=entry.summary,
        author=entry.author,
        source=entry.source,
        platform=entry.platform,
        original_url=entry.link,
        guid=entry.id,
    )
