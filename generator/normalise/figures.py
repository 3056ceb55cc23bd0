"""Figures: every caption of the source stays a ``<figcaption>`` inside a ``<figure>``,
whatever the figure holds - images (a gallery, an image linked to its full-size copy),
code (Ghost's code card, a file name over a code block), an embed, a bookmark card, a
table - and whatever the caption holds.

A figure of images only goes out as one line of raw HTML per image (``<img>``, in its
``<a>`` when the source linked it). Any other figure goes out as raw ``<figure>`` with
its content as Markdown between blank lines, which CommonMark parses inside. A caption
of inline content is inline HTML on one line; a caption with blocks (several
paragraphs, an image between paragraphs, a list) holds Markdown between blank lines too.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from bs4 import Tag
from bs4.element import NavigableString

__all__ = ["FigureMixin"]

# What a figure of images only may hold besides its images and the wrappers around them.
NOT_AN_IMAGE = ["iframe", "video", "audio", "pre", "table", "ul", "ol", "blockquote", "dl", "details",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr"]
# What makes a caption a block of its own rather than one line of inline HTML.
CAPTION_BLOCKS = ["ul", "ol", "pre", "table", "blockquote", "dl", "details", "h1", "h2", "h3", "h4", "h5", "h6", "figure"]


def _has_content(caption: Tag) -> bool:
    return bool(caption.get_text(strip=True)) or caption.find("img") is not None


class FigureMixin:
    """The converter's figures; the converter provides ``url``, ``blocks``,
    ``clean_inline_html`` and ``one_line``."""

    if TYPE_CHECKING:  # the converter's, for the type checker
        def url(self, value: str | None) -> str: ...
        def blocks(self, node: Tag) -> list[str]: ...
        def clean_inline_html(self, node: Tag) -> str: ...
        @staticmethod
        def one_line(inline_html: str) -> str: ...

    def block_figure(self, node: Tag) -> list[str]:
        caption = next((c for c in node.find_all("figcaption") if c.find_parent("figure") is node), None)
        if caption is None or not _has_content(caption):
            if caption is not None:
                caption.decompose()
            return self.blocks(node)
        caption.extract()
        images = [img for img in node.find_all("img") if self.url(str(img.get("src") or ""))]
        if images and not node.get_text(strip=True) and node.find(NOT_AN_IMAGE) is None:
            body = "".join(self.linked_image_html(img) for img in images)
            return [f"<figure>\n{body}\n{self.figcaption(caption)}\n</figure>"]
        inner = "\n\n".join(self.blocks(node))
        if not inner:
            return [f"<figure>\n{self.figcaption(caption)}\n</figure>"]
        return [f"<figure>\n\n{inner}\n\n{self.figcaption(caption)}\n</figure>"]

    def figcaption(self, caption: Tag) -> str:
        paragraphs = [c for c in caption.children if isinstance(c, Tag) and c.name in ("p", "div")]
        loose_text = any(isinstance(c, NavigableString) and c.strip() for c in caption.children)
        if caption.find(CAPTION_BLOCKS) is not None or len(paragraphs) > 1 or (paragraphs and loose_text):
            inner = "\n\n".join(self.blocks(caption))
            return f"<figcaption>\n\n{inner}\n\n</figcaption>"
        return f"<figcaption>{self.one_line(self.clean_inline_html(caption))}</figcaption>"

    def linked_image_html(self, img: Tag) -> str:
        """An image, in a link when the source linked it (to its full-size copy, say)."""
        link = img.find_parent("a")
        href = self.url(str(link.get("href") or "")) if link is not None else ""
        return f'<a href="{html.escape(href, quote=True)}">{self.image_html(img)}</a>' if href else self.image_html(img)

    def image_html(self, img: Tag) -> str:
        src = self.url(str(img.get("src") or ""))
        alt = re.sub(r"\s+", " ", str(img.get("alt") or "")).strip()
        attrs = [f'src="{html.escape(src, quote=True)}"', f'alt="{html.escape(alt, quote=True)}"']
        for key in ("width", "height"):
            if str(img.get(key, "")).isdigit():
                attrs.append(f'{key}="{img[key]}"')
        if img.get("title"):
            attrs.append(f'title="{html.escape(str(img["title"]), quote=True)}"')
        attrs.append('loading="lazy"')
        return f"<img {' '.join(attrs)}>"
