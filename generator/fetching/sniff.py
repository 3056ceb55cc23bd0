"""What a feed's text is: HTML, Markdown or plain text, and which platform made the feed.

Feeds mislabel their bodies (Gridsome's Markdown sent as ``type="html"``, entity-escaped
HTML in an untyped Atom element); the readers (``readers.py``) ask here what a body
really is, and the parse stage which platform (forem, ghost, gridsome, generic) to
credit and to clean up for.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["BLOCK_HTML", "detect_markdown", "looks_like_html", "detect_platform"]

BLOCK_HTML = re.compile(r"<(p|br|li|h[1-6]|pre|div|blockquote|table|ul|ol|figure|section|article)[\s>/]", re.I)


def detect_markdown(body: str) -> bool:
    """True when ``body`` is Markdown (perhaps with some raw HTML) rather than HTML.

    Gridsome's and Gatsby's feed plugins put the Markdown source in ``content:encoded``;
    some Atom feeds say ``type="html"`` about it. HTML has paragraph and block tags
    everywhere; Markdown has fences, ``#`` headings, ``[text](url)`` links, list
    markers and blank-line-separated prose lines that start with no tag.
    """
    text = body.strip()
    if not text:
        return False
    # Code inside fences may hold anything: count the signals outside it only.
    fences = re.findall(r"^ {0,3}(```|~~~)", text, re.M)
    outside = re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1", "", text, flags=re.M | re.S)
    # So may an HTML <pre>: its blank lines and lines without tags are not prose paragraphs.
    outside = re.sub(r"<pre[\s>].*?</pre\s*>", "<pre></pre>", outside, flags=re.I | re.S)
    html_blocks = len(BLOCK_HTML.findall(outside))
    signals = len(fences) // 2 * 3
    signals += len(re.findall(r"^#{1,6} \S", outside, re.M)) * 2
    signals += len(re.findall(r"\]\((?:https?://|/|\.|#)[^)\s]*\)", outside))
    signals += len(re.findall(r"^(?:[-*+]|\d+\.) \S", outside, re.M))
    signals += len(re.findall(r"\*\*\S[^*\n]*\*\*|(?<![\w`])`[^`\n]+`(?!`)", outside))
    prose = [p for p in re.split(r"\n\s*\n", outside) if p.strip() and not p.lstrip().startswith("<")]
    paragraph_tags = len(re.findall(r"<(p|br)[\s>/]", outside, re.I))
    if not signals:
        # Prose paragraphs separated by blank lines and no <p> at all: Markdown (an HTML
        # reading would run them together), even when the only markup is raw HTML islands.
        return len(prose) >= 2 and paragraph_tags == 0
    if html_blocks == 0:
        return True
    # Raw HTML islands (iframes, figures) in Markdown: prose paragraphs without tags dominate.
    return signals + len(prose) > 3 * html_blocks


def looks_like_html(text: str) -> bool:
    return bool(BLOCK_HTML.search(text) or re.search(r"<(a|img|strong|em|code|span|b|i)[\s>]", text, re.I))


def detect_platform(generator: str, link: str, description: str, bodies: list[str]) -> str:
    """forem, ghost, gridsome or generic, from the generator, URLs and markup."""
    gen = generator.lower()
    host = urlsplit(link).hostname or ""
    sample = "\n".join(bodies[:5])
    if "ghost" in gen or "kg-card" in sample or "kg-image-card" in sample:
        return "ghost"
    if "gridsome" in gen:
        return "gridsome"
    if (
        "forem" in gen
        or host in ("dev.to", "forem.com") or host.endswith((".dev.to", ".forem.com"))
        or "article-body-image-wrapper" in sample or "js-code-highlight" in sample
        or re.search(r"\bon (Forem|DEV Community)\b", description)
    ):
        return "forem"
    return "generic"
