"""Names made from titles: the slug that is a post's URL segment and its file's name.

``slugify`` turns any title into a safe, deterministic path segment; which slug each
post finally gets (clashes, the memory of the last build) is ``generator/slugs.py``'s.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from generator.models import Article

__all__ = ["slugify", "article_filename", "MAX_SLUG"]

MAX_SLUG = 80
# Names Windows refuses as file names, whatever the extension.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slugify(text: str, fallback_seed: str = "") -> str:
    """A lowercase ASCII slug of at most 80 characters, safe as a file and URL segment.

    Accents are folded (``café`` -> ``cafe``); text with no Latin letters at all (emoji,
    Arabic, Chinese) gets ``post-<hash>`` so that it is still distinct and stable.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    if not slug:
        digest = hashlib.sha1((text or fallback_seed).encode("utf-8")).hexdigest()[:10]
        return f"post-{digest}"
    if slug in RESERVED_NAMES:
        slug = f"{slug}-post"
    return slug


def article_filename(article: Article) -> str:
    """``<yyyy-mm-dd>-<slug>.md``: the name a new article file gets."""
    slug = article.slug or slugify(article.title, article.guid)
    return f"{article.date.strftime('%Y-%m-%d')}-{slug}.md"
