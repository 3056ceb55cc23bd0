"""HTML -> Markdown for the site's renderer (``generator.site.markup``: CommonMark with GitHub's
tables and footnotes, plus attribute lists after images).

This module owns the conversion of one *sanitised, cleaned-up* HTML fragment into
Markdown that renders back to the same structure: code blocks byte for byte with their
language, headings (``h1`` demoted to ``h2``), absolute links, images with alt and
size, nested and numbered lists, tables (pipe tables when there is a header row, raw
HTML otherwise), blockquotes, footnotes, ``sup``/``sub``, line breaks, figures with
captions, privacy-friendly iframes, video and audio. Prose is escaped so that ``*``,
``_``, backticks, ``[``, ``<`` or a ``#`` / ``1.`` at a line start render as themselves.

What Markdown cannot say goes out as raw HTML built here from the sanitised tree. A
list item or a quote holding a fenced block goes out as raw HTML with the Markdown
inside between blank lines, which CommonMark parses.

What CommonMark reads as markup (escaping, emphasis delimiters) is ``commonmark.py``'s;
what a source code block holds is ``code.py``'s; figures, tables, embeds and players, and
footnotes are the converter's mixins in ``figures.py``, ``tables.py``, ``media.py`` and
``footnotes.py``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString, PageElement

from generator.htmlattrs import attr, attr_words
from generator.normalise.code import code_language, code_text, fence_for, text_with_breaks
from generator.normalise.commonmark import (
    RAW_INLINE,
    char_kind,
    escape_line_start,
    escape_text,
    join_inline,
    neighbour,
    separate_blocks,
)
from generator.normalise.figures import FigureMixin
from generator.normalise.footnotes import FootnoteMixin
from generator.normalise.lists import is_loose_html, list_markdown, markdown_start, repair_lists
from generator.normalise.media import MediaMixin, quoted
from generator.normalise.repair import push_formatting_into_blocks, task_state
from generator.normalise.sanitise import absolute_url, strip_tracking
from generator.normalise.tables import TableMixin

__all__ = ["html_to_markdown", "code_language", "code_text", "escape_text"]

BLOCK_TAGS = {
    "p", "div", "section", "article", "aside", "header", "footer", "main", "blockquote", "pre",
    "ul", "ol", "li", "table", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "iframe", "video", "audio", "dl", "dt", "dd", "details", "summary", "picture", "caption",
    "thead", "tbody", "tfoot", "tr", "td", "th",
}


# ---------------------------------------------------------------- converter


@dataclass
class _Converter(FigureMixin, TableMixin, MediaMixin, FootnoteMixin):
    base_url: str
    platform: str
    footnotes: dict[str, str] = field(default_factory=dict)  # element id -> label
    pending_footnotes: list[Tag] = field(default_factory=list)  # footnote items, to write at the end

    # --- URLs

    def url(self, value: str | None) -> str:
        resolved = absolute_url(value or "", self.base_url)
        return strip_tracking(resolved, self.platform) if resolved else ""

    def md_url(self, value: str) -> str:
        value = value.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")
        if value.count("(") != value.count(")") or re.search(r"\)[^(]*\(", value):
            value = value.replace("(", "%28").replace(")", "%29")  # the renderer only takes balanced parentheses
        return value

    # --- blocks

    def blocks(self, node: Tag) -> list[str]:
        """The Markdown blocks of ``node``'s children; inline runs become paragraphs."""
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            para = self.paragraph(join_inline(run))
            if para:
                out.append(para)
            run.clear()

        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, Tag) and (child.name in BLOCK_TAGS or self.contains_block(child)):
                flush()
                out.extend(b for b in self.block(child) if b.strip())
            else:
                run.append(self.inline(child))
        flush()
        return separate_blocks(out)

    def contains_block(self, node: Tag) -> bool:
        """An inline element (``a``, ``span``) wrapping blocks is treated as a block container."""
        return node.name not in ("a",) and any(isinstance(d, Tag) and d.name in BLOCK_TAGS for d in node.descendants)

    def paragraph(self, text: str) -> str:
        lines = [line for line in text.split("\n")]
        cleaned = [escape_line_start(re.sub(r"[ \t]+", " ", line).strip()) for line in lines]
        result = "\n".join(line for line in cleaned if line)
        result = re.sub(r"(\s*<br>)+$", "", result)
        # A line that is only a tag, first in a block, starts a CommonMark HTML block
        # (which shows the rest of the paragraph as raw text): drop leading breaks.
        result = re.sub(r"^(<br>\s*)+", "", result)
        if not re.sub(r"(&nbsp;|<br>|\s)+", "", result):
            return ""  # a paragraph of no-break spaces only (WordPress' spacer) shows nothing
        return result.strip()

    def block(self, node: Tag) -> list[str]:
        name = node.name
        handler = getattr(self, f"block_{name}", None)
        if handler is not None:
            blocks: list[str] = handler(node)
            return blocks
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return self.heading(node)
        if name in ("div", "section", "article", "aside", "header", "footer", "main", "picture", "span", "a", "b", "strong", "em", "i", "center", "font", "figcaption", "caption", "summary", "dd", "dt", "tbody", "thead", "tr", "td", "th"):
            return self.blocks(node)
        return self.blocks(node)

    def heading(self, node: Tag) -> list[str]:
        level = max(2, int(node.name[1]))
        text = self.inline_children(node)
        text = re.sub(r"\s+", " ", text.replace("<br>\n", " ")).strip()
        if not text:
            return []
        text = re.sub(r"#+$", lambda m: "\\" + m.group(0), text)
        return [f"{'#' * level} {text}"]

    def block_p(self, node: Tag) -> list[str]:
        if self.contains_block(node):
            return self.blocks(node)
        para = self.paragraph(self.inline_children(node))
        return [para] if para else []

    def block_hr(self, node: Tag) -> list[str]:
        if "footnotes-sep" in attr_words(node, "class"):
            return []  # markdown-it's rule above its footnotes; the renderer draws its own
        return ["* * *"]

    def block_pre(self, node: Tag) -> list[str]:
        text = code_text(node)
        if not text.strip():
            return []
        fence = fence_for(text)
        return [f"{fence}{code_language(node)}\n{text}\n{fence}"]

    def block_blockquote(self, node: Tag) -> list[str]:
        inner = self.blocks(node)
        if not inner:
            return []
        body = "\n\n".join(inner)
        return ["\n".join(f"> {line}" if line else ">" for line in body.split("\n"))]

    def block_ul(self, node: Tag) -> list[str]:
        return self.list_block(node, ordered=False)

    def block_ol(self, node: Tag) -> list[str]:
        return self.list_block(node, ordered=True)

    def list_block(self, node: Tag, ordered: bool) -> list[str]:
        items = [li for li in node.find_all("li", recursive=False)]
        if not items:
            return self.blocks(node)
        tasks = [task_state(li) for li in items]
        item_blocks = [self.blocks(li) for li in items]
        for blocks, done in zip(item_blocks, tasks, strict=True):
            if done is not None:  # GFM's task list item: "[x] " first in its paragraph
                box = "[x]" if done else "[ ]"
                if blocks and not blocks[0].startswith(("`", "<", "#", "-", ">")):
                    blocks[0] = f"{box} {blocks[0]}"
                else:
                    blocks.insert(0, box)
        start = markdown_start(node) if ordered else 1
        if start is None:
            return [self.raw_list(node, item_blocks)]
        return [list_markdown(item_blocks, ordered, start, is_loose_html(items))]

    def raw_list(self, node: Tag, item_blocks: list[list[str]]) -> str:
        """An ``<ol>`` Markdown cannot number (``start="-1"``, ``reversed``, letters): its
        tag and numbering attributes as raw HTML, each item's Markdown between blank lines."""
        attrs = "".join(f' {key}="{quoted(attr(node, key))}"' for key in ("start", "type") if node.has_attr(key))
        attrs += " reversed" if node.has_attr("reversed") else ""
        items = []
        for li, blocks in zip(node.find_all("li", recursive=False), item_blocks, strict=True):
            value = f' value="{quoted(attr(li, "value"))}"' if li.has_attr("value") else ""
            items.append(f"<li{value}>\n\n" + "\n\n".join(blocks) + "\n\n</li>\n")
        return f"<{node.name}{attrs}>\n{''.join(items)}</{node.name}>"

    def block_li(self, node: Tag) -> list[str]:
        return self.blocks(node)

    def block_dl(self, node: Tag) -> list[str]:
        """A definition list as raw HTML; a term or definition with blocks (code, lists)
        holds their Markdown between blank lines, as a table cell does."""
        parts = [self.raw_cell(child) for child in node.find_all(["dt", "dd"]) if child.find_parent("dl") is node]
        return ["<dl>\n" + "\n".join(parts) + "\n</dl>"] if parts else self.blocks(node)

    def block_details(self, node: Tag) -> list[str]:
        """A folded block (Quarto's and Jupyter's folded code): the summary as inline HTML,
        the content as Markdown between blank lines, which CommonMark parses inside."""
        summary = node.find("summary", recursive=False)
        head = f"<summary>{TableMixin.one_line(self.clean_inline_html(summary))}</summary>\n" if summary is not None else ""
        if summary is not None:
            summary.extract()
        inner = "\n\n".join(self.blocks(node))
        return [f"<details>\n{head}\n{inner}\n\n</details>" if inner else f"<details>\n{head}</details>"]

    # --- raw HTML from the sanitised tree

    def clean_inline_html(self, node: Tag) -> str:
        """``node``'s children as HTML with absolute, safe URLs (already sanitised by nh3);
        paragraphs and spans inside a caption are flattened."""
        wrapper = BeautifulSoup(f"<div>{node.decode_contents()}</div>", "html.parser").div
        if wrapper is None:
            return ""
        for tag in wrapper.find_all(["p", "div", "span", "section"]):
            tag.unwrap()
        return "".join(self.raw_html(child) if isinstance(child, Tag) else html.escape(str(child), quote=False)
                       for child in wrapper.children if not isinstance(child, Comment)).strip()

    def raw_html(self, node: Tag) -> str:
        copy = BeautifulSoup(str(node), "html.parser")
        for tag in copy.find_all(True):
            for key in ("href", "src", "poster", "cite"):
                if tag.has_attr(key):
                    url = self.url(attr(tag, key))
                    if url:
                        tag[key] = url
                    else:
                        del tag[key]
            for key in list(tag.attrs):
                if key in ("class", "id", "srcset", "sizes", "style") or key.startswith("on"):
                    del tag[key]
            if tag.name == "span" and not tag.attrs:
                tag.unwrap()
                continue
            if tag.name == "iframe":
                tag.replace_with(BeautifulSoup("\n".join(self.block_iframe(tag)), "html.parser"))
        text = str(copy)
        return re.sub(r"\n\s*\n", "\n", text)

    # --- inline

    def inline_children(self, node: Tag) -> str:
        return join_inline([self.inline(child) for child in node.children])

    def inline(self, node: PageElement) -> str:
        if isinstance(node, Comment):
            return ""
        if isinstance(node, NavigableString):
            # No-break spaces are kept (as &nbsp;, visible in the Markdown): they carry meaning
            # and indentation; Python's \s would take them for spaces.
            return escape_text(re.sub(r"[ \t\n\r\f\v]+", " ", str(node))).replace("\xa0", "&nbsp;")
        if not isinstance(node, Tag):  # a page element is text or a tag: nothing else comes here
            return ""
        name = node.name
        if name == "input":
            return ""  # a checkbox that is not first in a list item has no Markdown
        if name == "br":
            return "<br>\n"
        if name == "img":
            return self.image(node)
        if name == "a":
            return self.link(node)
        if name == "code":
            text = text_with_breaks(node)  # a <br> in inline code is a space, not nothing
            links = node.find_all("a", href=True)
            if len(links) == 1 and self.url(attr(links[0], "href")) and links[0].get_text() == node.get_text():
                return f"[{self.code_span(text)}]({self.md_url(self.url(attr(links[0], 'href')))})"
            if any(isinstance(n, Tag) and n.name == "code" for n in (node.previous_sibling, node.next_sibling)):
                # `a``b` would be one code span: touching spans go out as raw tags
                return "<code>" + escape_text(re.sub(r"\s+", " ", text)) + "</code>"
            return self.code_span(text)
        if name in ("strong", "b"):
            return self.wrap(node, "**")
        if name in ("em", "i"):
            return self.wrap(node, "*")
        if name in RAW_INLINE:
            inner = self.inline_children(node)
            tag = "del" if name in ("s", "strike") else name
            return f"<{tag}>{inner}</{tag}>" if inner.strip() else inner
        if name in ("iframe", "video", "audio"):
            return "\n".join(self.block(node))
        return self.inline_children(node)

    def wrap(self, node: Tag, mark: str) -> str:
        inner = self.inline_children(node)
        if not inner.strip():
            return inner
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()):]
        core = inner.strip()
        same = ("strong", "b") if mark == "**" else ("em", "i")
        if node.find_parent(same) is not None:  # nested same emphasis adds nothing
            return inner
        if not self.delimiters_hold(node, core):
            tag = "strong" if mark == "**" else "em"
            return f"{lead}<{tag}>{core}</{tag}>{trail}"
        return f"{lead}{mark}{core}{mark}{trail}"

    @staticmethod
    def delimiters_hold(node: Tag, core: str) -> bool:
        """Whether ``*``/``**`` around ``core`` surely read as emphasis (CommonMark's
        flanking rules): a delimiter next to punctuation inside opens or closes only with
        a space or punctuation outside (``*“*The`` does not close), and emphasis touching
        emphasis (``***this****?*``) is left to the raw tag."""
        before, after = neighbour(node, forward=False), neighbour(node, forward=True)
        if "emphasis" in (before, after):
            return False
        opens = char_kind(core[0]) != "punct" or before in ("space", "punct")
        closes = char_kind(core[-1]) != "punct" or after in ("space", "punct")
        return opens and closes

    def code_span(self, text: str) -> str:
        text = re.sub(r"\s+", " ", text)
        if not text.strip():
            return text
        # Spaces at the ends go outside: CommonMark drops one from each end of a span.
        lead, core, trail = text[: len(text) - len(text.lstrip())], text.strip(), text[len(text.rstrip()):]
        longest = max((len(run) for run in re.findall(r"`+", core)), default=0)
        ticks = "`" * (longest + 1)
        pad = " " if core.startswith("`") or core.endswith("`") else ""
        return f"{lead}{ticks}{pad}{core}{pad}{ticks}{trail}"

    def image(self, img: Tag) -> str:
        src = self.url(attr(img, "src"))
        if not src:
            return ""
        alt = escape_text(re.sub(r"\s+", " ", attr(img, "alt")).strip())  # "*" and "_" are alt text, not emphasis
        title = attr(img, "title")
        title_part = f' "{title.replace(chr(34), "&quot;")}"' if title else ""
        attrs = [f'{k}="{attr(img, k)}"' for k in ("width", "height") if attr(img, k).isdigit()]
        attr_list = "{: " + " ".join(attrs) + " }" if attrs else ""
        return f"![{alt}]({self.md_url(src)}{title_part}){attr_list}"

    def link(self, node: Tag) -> str:
        href = attr(node, "href")
        target_id = href[1:] if href.startswith("#") else ""
        if target_id and target_id in self.footnotes:
            return f"[^{self.footnotes[target_id]}]"
        inner = self.inline_children(node)
        url = self.url(href)
        if not url or href.strip() == "#" or node.find_parent("a") is not None:
            return inner  # no target, or a link inside a link (HTML forbids it; Markdown cannot say it)
        if not inner.strip():
            return " " if inner else ""  # a link around a space: the space stays
        text = re.sub(r"\s*<br>\n\s*", " ", inner)
        title = attr(node, "title")
        title_part = f' "{title.replace(chr(34), "&quot;")}"' if title else ""
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()):]
        return f"{lead}[{text.strip()}]({self.md_url(url)}{title_part}){trail}"

def html_to_markdown(fragment: str | Tag, base_url: str = "", platform: str = "generic") -> str:
    """Markdown for a sanitised HTML fragment (a string or a parsed tree)."""
    root = fragment if isinstance(fragment, Tag) else BeautifulSoup(fragment, "html.parser")
    converter = _Converter(base_url=base_url, platform=platform)
    repair_lists(root)
    push_formatting_into_blocks(root, BLOCK_TAGS)
    converter.collect_footnotes(root)
    blocks = converter.blocks(root) + converter.footnote_definitions()
    text = "\n\n".join(b.rstrip() for b in blocks if b.strip())
    return text + "\n" if text else ""
