"""Embeds and players: an ``<iframe>``, ``<video>`` or ``<audio>`` of a sanitised body as
the raw HTML the page shows.

An iframe is kept only when its address is an embed the site allows (``sanitise.embed_url``:
video and code hosts, privacy-friendly), sandboxed, lazy and without a referrer; any other
becomes a link to what it showed. A video or audio player gets controls, loads only its
metadata, keeps its sources and a download link for browsers that play none of them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from bs4 import Tag

from generator.htmlattrs import attr
from generator.normalise.sanitise import EMBED_REFERRER, EMBED_SANDBOX, embed_url

__all__ = ["MediaMixin", "quoted"]


def quoted(value: str) -> str:
    """``value`` as an attribute value between double quotes."""
    return html.escape(value, quote=True)


class MediaMixin:
    """The converter's embeds and players; the converter provides ``url`` and ``md_url``."""

    if TYPE_CHECKING:  # the converter's, for the type checker
        def url(self, value: str | None) -> str: ...
        def md_url(self, value: str) -> str: ...

    def block_iframe(self, node: Tag) -> list[str]:
        src = embed_url(self.url(attr(node, "src")))
        if not src:
            original = self.url(attr(node, "src"))
            return [f"[Embedded content]({self.md_url(original)})"] if original else []
        attrs = [f'src="{quoted(src)}"']
        for key in ("width", "height"):
            if attr(node, key).isdigit():
                attrs.append(f'{key}="{attr(node, key)}"')
        title = attr(node, "title") or "Embedded content"
        attrs.append(f'title="{quoted(title)}"')
        attrs += ['loading="lazy"', f'sandbox="{EMBED_SANDBOX}"', 'allow="encrypted-media; picture-in-picture; fullscreen"',
                  f'referrerpolicy="{EMBED_REFERRER}"', "allowfullscreen"]
        return [f"<iframe {' '.join(attrs)}></iframe>"]

    def block_video(self, node: Tag) -> list[str]:
        return self.media(node, "video")

    def block_audio(self, node: Tag) -> list[str]:
        return self.media(node, "audio")

    def media(self, node: Tag, kind: str) -> list[str]:
        attrs = ["controls", 'preload="metadata"']
        src = self.url(attr(node, "src"))
        if src:
            attrs.append(f'src="{quoted(src)}"')
        poster = self.url(attr(node, "poster")) if kind == "video" else ""
        if poster:
            attrs.append(f'poster="{quoted(poster)}"')
        for key in ("width", "height"):
            if kind == "video" and attr(node, key).isdigit():
                attrs.append(f'{key}="{attr(node, key)}"')
        for flag in ("loop", "muted", "playsinline"):
            if node.has_attr(flag):
                attrs.append(flag)
        sources = self.sources(node)
        if not src and not sources:
            return []
        first = node.find("source")
        fallback = src or (self.url(attr(first, "src")) if isinstance(first, Tag) else "")
        link = f'<a href="{quoted(fallback)}">Download the {kind}</a>'
        # The opening tag alone on its line: CommonMark then reads a raw HTML block, not
        # a paragraph holding a video (video and audio are not among its block tags).
        return [f"<{kind} {' '.join(attrs)}>\n{''.join(sources)}{link}\n</{kind}>"]

    def sources(self, node: Tag) -> list[str]:
        """The player's ``<source>`` elements that have an address, with their type."""
        out = []
        for source in node.find_all("source"):
            url = self.url(attr(source, "src"))
            if url:
                type_attr = f' type="{quoted(attr(source, "type"))}"' if attr(source, "type") else ""
                out.append(f'<source src="{quoted(url)}"{type_attr}>')
        return out
