"""Markdown -> HTML: cmark-gfm plus Pygments highlighting, as a pure function.

``MarkdownRenderer().render(text)`` returns the article HTML, its table of contents and
where its highlighted code sits. The dialect is CommonMark with GitHub's tables,
footnotes and task lists (the Markdown of GitHub, Hugo, Forem, Ghost and Gridsome), parsed by
cmark-gfm, GitHub's C library: it costs 0.1 ms a post where Python-Markdown cost 3 ms,
which is most of a clean build. Raw HTML passes through for authors' posts, which are
trusted. An imported article (``render(text, untrusted=True)``) was sanitised before it
became Markdown, and its HTML is cleaned again here with the same allowlist
(``allowlist.clean_rendered``), before heading ids, the table of contents and
highlighting are added: no bug in writing or reading that Markdown can pass markup
through. On top of cmark, this module adds, by rewriting the HTML it returns:

* highlighting: every fenced or indented code block renders as
  ``<pre class="highlight"><code class="language-LANG">…</code></pre>`` with Pygments'
  CSS classes only (no inline styles, so a strict CSP holds), one shared
  ``HtmlFormatter`` and cached lexers. cmark keeps code byte for byte (tabs and
  trailing blanks included), so the text of ``<code>`` is the fence's content;
* heading ids and the table of contents (levels 2-4), with Python-Markdown's ``toc``
  slugs, so anchors stay what they were before the switch to cmark;
* attribute lists after an image or at the end of a heading (``{: width="600" }``,
  ``## Title {#custom-id .wide}``), the one Python-Markdown extension older articles
  rely on; only harmless attributes are taken;
* ``markdown="block"`` on raw HTML (articles imported for Python-Markdown carry it) is
  dropped: CommonMark parses Markdown between blank lines inside raw HTML by itself.

cmark's own code blocks are the only ``<pre><code>`` whose text holds no ``<``
(it escapes it), so raw HTML with markup inside a ``<pre>`` is left alone.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any, Mapping

from cmarkgfm.cmark import Options
from markdown.extensions.toc import nest_toc_tokens, slugify, strip_tags, unique
from pygments.formatters import HtmlFormatter

from generator.allowlist import clean_rendered
from generator.models import Rendered
from generator.site.cmark import markdown_to_html
from generator.site.highlight import highlight_code

__all__ = ["MarkdownRenderer", "Rendered", "block_key", "highlight_code", "pygments_css", "RENDERER_VERSION"]  # highlight_code: see highlight.py

# Bump when the HTML this module produces changes, so build caches are invalidated.
RENDERER_VERSION = "3"

_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
_EXTENSIONS = ["table", "tasklist"]  # GFM task lists: "- [x] done" shows a ticked, disabled box
_CODE_BLOCK = re.compile(r'<pre><code(?: class="language-([^"]*)")?>([^<]*)</code></pre>')
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_HEADING_ATTRS = re.compile(r"\s*\{:?[ ]*([^{}\n<]*?)[ ]*\}$")
_IMAGE_ATTRS = re.compile(r'(<img src="[^"]*" alt="[^"]*"(?: title="[^"]*")?) />\{:?[ ]*([^{}\n<]*?)[ ]*\}')
_ATTR = re.compile(r'([#.])([\w-]+)|([\w-]+)=(?:"([^"]*)"|\'([^\']*)\'|([^\s"\']+))')
_ATTR_LIST = re.compile(r'(?:\s*(?:[#.][\w-]+|[\w-]+=(?:"[^"]*"|\'[^\']*\'|[^\s"\']+)))+\s*')
# Attribute lists as written in the source, unescaped: after an image's ")" or at the end
# of an ATX heading. cmark turns "\{" into "{", so only a list also found here is taken
# from the HTML (prose braces in imported articles are always escaped).
_SOURCE_ATTR_LISTS = re.compile(
    r"^ {0,3}#{1,6}[ \t].*?(?<!\\)\{:?[ ]*([^{}\n]*?)[ ]*\}[ \t]*$"  # a heading's
    r"|\)\{:?[ ]*([^{}\n]*?)[ ]*\}",  # an image's
    re.M,
)
_IMAGE_KEYS = {"width", "height", "class", "id", "title", "loading", "decoding"}
_HEADING_KEYS = {"class", "id"}
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref">.*?</sup>', re.DOTALL)
_ID = re.compile(r'\sid="([^"]*)"')
_MD_IN_HTML = re.compile(r'(<[a-zA-Z][\w-]*\b[^<>]*?)\s+markdown="(?:1|block|span)"')
_TOC_LEVELS = (2, 4)


def _language_of(info: str) -> str:
    """``python`` -> ``python``; ``{.python}`` -> ``python``; a safe class name."""
    info = info.strip()
    braces = re.match(r"^\{\s*\.?([\w+#.-]+)", info)
    word = braces.group(1) if braces else (info.split()[0] if info else "")
    return re.sub(r"[^\w+#.-]", "", word.lower())


def block_key(code: str, lang: str) -> str:
    """What fixes a highlighted block: its language and code (and this module's version)."""
    return hashlib.sha1(f"{RENDERER_VERSION}\0{lang}\0{code}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _attributes(text: str, allowed: set[str], written: set[str]) -> dict[str, str] | None:
    """``#id .a .b key="value"`` -> {"id": ..., "class": "a b", "key": ...}, allowed keys
    only; None when ``text`` is not an attribute list the source wrote (it stays text)."""
    text = html.unescape(text)
    if text not in written or not _ATTR_LIST.fullmatch(text):
        return None
    found: dict[str, str] = {}
    for mark, name, key, double, single, bare in _ATTR.findall(text):
        if mark == "#":
            found["id"] = name
        elif mark == ".":
            found["class"] = f"{found['class']} {name}" if "class" in found else name
        else:
            found[key.lower()] = double or single or bare
    return {key: value for key, value in found.items() if key in allowed}


def _attribute_html(attrs: Mapping[str, str]) -> str:
    return "".join(f' {key}="{html.escape(value, quote=True)}"' for key, value in attrs.items())


def _image_attributes(body: str, written: set[str]) -> str:
    def apply(match: re.Match[str]) -> str:
        attrs = _attributes(match.group(2), _IMAGE_KEYS, written)
        if attrs is None:
            return match.group(0)
        tag = match.group(1)
        if "title" in attrs and ' title="' in tag:
            del attrs["title"]  # the Markdown title wins
        return f"{tag}{_attribute_html(attrs)} />"

    return _IMAGE_ATTRS.sub(apply, body) if "/>{" in body else body  # cheap test first


class _Headings:
    """Gives every heading an id (Python-Markdown's toc slugs) and collects the toc."""

    def __init__(self, body: str, written: set[str]):
        self.written = written
        self.used = set(_ID.findall(body))  # footnotes' and raw HTML's ids are taken
        self.counters: dict[str, int] = {}
        self.tokens: list[dict[str, Any]] = []

    def __call__(self, match: re.Match[str]) -> str:
        level, inner = int(match.group(1)), match.group(2)
        attrs: dict[str, str] = {}
        listed = _HEADING_ATTRS.search(inner) if self.written else None
        if listed and (found := _attributes(listed.group(1), _HEADING_KEYS, self.written)) is not None:
            attrs, inner = found, inner[: listed.start()]
        name = strip_tags(_FOOTNOTE_REF.sub("", inner))
        if attrs.get("id"):
            self.used.add(attrs["id"])
        else:
            attrs = {"id": unique(slugify(html.unescape(name), "-"), self.used, self.counters), **attrs}
        if _TOC_LEVELS[0] <= level <= _TOC_LEVELS[1]:
            self.tokens.append({"level": level, "id": attrs["id"], "name": name, "html": inner, "data-toc-label": ""})
        return f"<h{level}{_attribute_html(attrs)}>{inner}</h{level}>"


class _Highlighter:
    """Swaps cmark's code blocks for highlighted ones, noting where each one lands."""

    def __init__(self, known: Mapping[str, str]):
        self.known = known

    def run(self, body: str) -> tuple[str, tuple[tuple[str, int, int], ...]]:
        parts: list[str] = []
        blocks: list[tuple[str, int, int]] = []
        size = done = 0
        for match in _CODE_BLOCK.finditer(body):
            code = html.unescape(match.group(2))
            lang = _language_of(html.unescape(match.group(1) or ""))
            key = block_key(code, lang)
            block = self.known.get(key) or highlight_code(code, lang)
            before = body[done : match.start()]
            parts += [before, block]
            blocks.append((key, size + len(before), len(block)))
            size += len(before) + len(block)
            done = match.end()
        parts.append(body[done:])
        return "".join(parts), tuple(blocks)


class MarkdownRenderer:
    """Renders Markdown; ``render`` is pure: same text, same HTML.

    ``known`` maps ``block_key`` to a block's HTML from an earlier render (see
    ``Rendered.blocks``): a rebuild of a post whose code did not change needs no lexer
    (compiling Pygments' lexers costs 0.1 s of a one-post rebuild).
    """

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self._highlighter = _Highlighter(known or {})

    def render(self, text: str, untrusted: bool = False) -> Rendered:
        """``text`` as HTML; ``untrusted`` (an imported article's Markdown) cleans the HTML
        with the import allowlist before the renderer's own additions."""
        body = markdown_to_html(text, _OPTIONS, _EXTENSIONS).rstrip("\n")
        if 'markdown="' in body:
            body = _MD_IN_HTML.sub(r"\1", body)
        written = {a or b for a, b in _SOURCE_ATTR_LISTS.findall(text)} if "{" in text else set()
        if written:
            body = _image_attributes(body, written)
        if untrusted:
            body = clean_rendered(body)
        headings = _Headings(body, written)
        body = _HEADING.sub(headings, body)
        body, blocks = self._highlighter.run(body)
        # ignore: the stubs type toc tokens as TypedDicts without the "html" and "data-toc-label"
        # keys that Python-Markdown's own tokens (and ours, made the same way) carry
        toc = nest_toc_tokens(headings.tokens)  # type: ignore[arg-type]
        return Rendered(html=body, toc=toc, blocks=blocks)  # type: ignore[arg-type]


def pygments_css(light: str = "default", dark: str = "monokai") -> str:
    """CSS for highlighted code: a light style, and a dark one under prefers-color-scheme."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_css = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_block = "\n".join("  " + line for line in dark_css.splitlines())
    return f"{light_css}\n@media (prefers-color-scheme: dark) {{\n{dark_block}\n}}\n"
