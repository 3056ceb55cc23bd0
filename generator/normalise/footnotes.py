"""Footnotes: a body's footnote list (``section.footnotes``, ``div.footnotes``, items
``li#fn...``) becomes ``[^n]`` definitions at the end of the Markdown, its references
``[^n]`` markers, numbered in the order the lists give them; back-links are dropped
(the renderer makes its own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bs4 import Tag

from generator.htmlattrs import attr, attr_words

__all__ = ["FootnoteMixin"]


class FootnoteMixin:
    """The converter's footnotes; the converter provides ``blocks`` and the two fields."""

    footnotes: dict[str, str]  # element id -> label
    pending_footnotes: list[Tag]  # footnote items, in order, to write at the end

    if TYPE_CHECKING:  # the converter's, for the type checker
        def blocks(self, node: Tag) -> list[str]: ...

    def collect_footnotes(self, root: Tag) -> None:
        """Find footnote lists and take their items out of the body; references become
        ``[^n]`` markers (``link``) and the items definitions (``footnote_definitions``)."""
        containers = [
            el for el in root.find_all(["section", "div", "ol", "aside"])
            if "footnotes" in attr_words(el, "class") or attr(el, "id") == "footnotes"
        ]
        for container in containers:
            if container.parent is None:
                continue
            items = [li for li in container.find_all("li") if li.get("id")]
            if not items:
                continue
            for li in items:
                self.footnotes[attr(li, "id")] = str(len(self.footnotes) + 1)
            for li in items:
                self._drop_back_links(li)
            self.pending_footnotes += items
            for li in items:
                li.extract()
            container.decompose()
        self._unwrap_references(root)

    def _drop_back_links(self, item: Tag) -> None:
        for back in item.find_all("a", href=True):
            href = attr(back, "href")
            target = href[1:] if href.startswith("#") else ""
            if target and target not in self.footnotes and ("backref" in " ".join(attr_words(back, "class")) or "ref" in target):
                back.decompose()

    def _unwrap_references(self, root: Tag) -> None:
        """Strip the reference's <sup> wrapper: [^n] renders as its own superscript."""
        for sup in root.find_all("sup"):
            anchors = sup.find_all("a", href=True)
            if len(anchors) != 1:
                continue
            href = attr(anchors[0], "href")
            if href.startswith("#") and href[1:] in self.footnotes and sup.get_text(strip=True) == anchors[0].get_text(strip=True):
                sup.replace_with(anchors[0])

    def footnote_definitions(self) -> list[str]:
        out = []
        for li in self.pending_footnotes:
            label = self.footnotes[attr(li, "id")]
            body = "\n\n".join(self.blocks(li)) or " "
            first, *rest = body.split("\n")
            lines = [f"[^{label}]: {first}"] + [f"    {line}" if line else "" for line in rest]
            out.append("\n".join(lines))
        return out
