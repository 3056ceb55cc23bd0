"""Markdown -> HTML: Python-Markdown plus Pygments highlighting, as a pure function.

``MarkdownRenderer().render(text)`` returns the article HTML and its table of contents.
Extensions: tables, footnotes, heading anchors (toc), attribute lists, Markdown inside
HTML blocks, sane lists; fenced code is handled here rather than by ``fenced_code``:

* Stock Python-Markdown expands tabs and empties whitespace-only lines *before* it finds
  fences, so code would not survive byte for byte. :class:`_FenceExtractor` runs before
  that normalisation, lifts every top-level fence out, highlights it, and puts it back
  as raw HTML once the rest of the document has been parsed.
* Highlighting uses CSS classes only (no inline styles, so a strict CSP holds), one
  shared ``HtmlFormatter`` and cached lexers. Every block renders as
  ``<pre class="highlight"><code class="language-LANG">…</code></pre>`` so readers'
  tools and our tests can find the language.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from typing import Mapping

import markdown
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.md_in_html import MarkdownInHtmlExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.preprocessors import Preprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .models import Rendered

__all__ = ["MarkdownRenderer", "Rendered", "block_key", "highlight_code", "pygments_css", "RENDERER_VERSION"]

# Bump when the HTML this module produces changes, so build caches are invalidated.
RENDERER_VERSION = "1"

_FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
_TOKEN = "\x1bFENCE{}\x1b"  # survives Python-Markdown's whitespace normalisation
_TOKEN_LINE = re.compile(r"^\x1bFENCE(\d+)\x1b$")
_LANG_ALIASES = {"sh": "bash", "shell": "bash", "py": "python", "js": "javascript", "yml": "yaml", "ts": "typescript"}
_FORMATTER = HtmlFormatter(nowrap=True)  # shared: building one per block costs as much as highlighting


@lru_cache(maxsize=256)
def _lexer(lang: str) -> Lexer | None:
    try:
        # stripnl/ensurenl off: the code comes out exactly as it went in.
        return get_lexer_by_name(_LANG_ALIASES.get(lang, lang), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def _language_of(info: str) -> str:
    """``python title="x"`` -> ``python``; ``{.python}`` -> ``python``; a safe class name."""
    info = info.strip()
    braces = re.match(r"^\{\s*\.?([\w+#.-]+)", info)
    word = braces.group(1) if braces else (info.split()[0] if info else "")
    return re.sub(r"[^\w+#.-]", "", word.lower())


def block_key(code: str, lang: str) -> str:
    """What fixes a highlighted block: its language and code (and this module's version)."""
    return hashlib.sha1(f"{RENDERER_VERSION}\0{lang}\0{code}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def highlight_code(code: str, lang: str) -> str:
    """One code block as HTML; the text content of ``<code>`` equals ``code`` exactly."""
    lexer = _lexer(lang) if lang else None
    body = highlight(code, lexer, _FORMATTER) if lexer else html.escape(code, quote=False)
    # Pygments may add a newline at the very end; keep the block byte for byte.
    if lexer and not code.endswith("\n") and body.endswith("\n"):
        body = body[:-1]
    css_class = f' class="language-{html.escape(lang)}"' if lang else ""
    return f'<pre class="highlight"><code{css_class}>{body}</code></pre>'


def _find_fence_end(lines: list[str], start: int, fence: str) -> int:
    """Index of the closing fence line, or len(lines) when the fence is never closed."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for i in range(start, len(lines)):
        if closing.match(lines[i]):
            return i
    return len(lines)


class _FenceExtractor(Preprocessor):
    """Lift fenced blocks out before whitespace normalisation; leave a token line."""

    def __init__(self, md: markdown.Markdown, store: list[str], keys: list[str], known: Mapping[str, str]):
        super().__init__(md)
        self.store, self.keys, self.known = store, keys, known

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(lines):
            match = _FENCE_OPEN.match(lines[i].rstrip("\r"))
            if not match or (match.group("fence")[0] == "`" and "`" in match.group("info")):
                out.append(lines[i])
                i += 1
                continue
            end = _find_fence_end(lines, i + 1, match.group("fence"))
            code = self._dedent(lines[i + 1 : end], len(match.group("indent")))
            lang = _language_of(match.group("info"))
            key = block_key(code, lang)
            self.store.append(self.known.get(key) or highlight_code(code, lang))
            self.keys.append(key)
            out.extend(["", _TOKEN.format(len(self.store) - 1), ""])
            i = end + 1
        return out

    @staticmethod
    def _dedent(lines: list[str], indent: int) -> str:
        # CommonMark: an indented opening fence removes up to that many spaces per line.
        if indent:
            lines = [re.sub(rf"^ {{0,{indent}}}", "", line) for line in lines]
        text = "\n".join(line[:-1] if line.endswith("\r") else line for line in lines)
        return text + "\n" if lines else ""


class _FenceRestorer(Preprocessor):
    """After normalisation: swap each token line for a raw-HTML placeholder."""

    def __init__(self, md: markdown.Markdown, store: list[str]):
        super().__init__(md)
        self.store = store

    def run(self, lines: list[str]) -> list[str]:
        result = []
        for line in lines:
            match = _TOKEN_LINE.match(line)
            result.append(self.md.htmlStash.store(self.store[int(match.group(1))]) if match else line)
        return result


class _ExactFencesExtension(Extension):
    def __init__(self, known: Mapping[str, str]):
        super().__init__()
        self.store: list[str] = []  # each block's HTML, in order
        self.keys: list[str] = []  # each block's block_key
        self.known = known

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        md.preprocessors.register(_FenceExtractor(md, self.store, self.keys, self.known), "exact_fence_extract", 35)
        md.preprocessors.register(_FenceRestorer(md, self.store), "exact_fence_restore", 29)

    def reset(self) -> None:
        self.store.clear()
        self.keys.clear()

    def positions(self, body: str) -> tuple[tuple[str, int, int], ...]:
        """Where each block landed in the final HTML (blocks Markdown did not keep are left out)."""
        found, at = [], 0
        for key, block in zip(self.keys, self.store):
            start = body.find(block, at)
            if start >= 0:
                found.append((key, start, len(block)))
                at = start + len(block)
        return tuple(found)


class MarkdownRenderer:
    """A configured Markdown instance; ``render`` is pure: same text, same HTML.

    ``known`` maps ``block_key`` to a block's HTML from an earlier render (see
    ``Rendered.blocks``): a rebuild of a post whose code did not change needs no lexer
    (compiling Pygments' lexers costs 0.1 s of a one-post rebuild).
    """

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self._fences = _ExactFencesExtension(known or {})
        # Extension objects, not names: a name is looked up among every installed
        # package's entry points (importlib.metadata), 20 ms per process.
        self._md = markdown.Markdown(
            extensions=[
                self._fences,
                TableExtension(),
                FootnoteExtension(),
                AttrListExtension(),
                MarkdownInHtmlExtension(),
                SaneListExtension(),
                TocExtension(permalink=False, toc_depth="2-4"),
            ],
            output_format="html",
        )

    def render(self, text: str) -> Rendered:
        self._md.reset()
        self._fences.reset()
        body = self._md.convert(text)
        return Rendered(html=body, toc=list(getattr(self._md, "toc_tokens", [])), blocks=self._fences.positions(body))


def pygments_css(light: str = "default", dark: str = "monokai") -> str:
    """CSS for highlighted code: a light style, and a dark one under prefers-color-scheme."""
    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_css = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_block = "\n".join("  " + line for line in dark_css.splitlines())
    return f"{light_css}\n@media (prefers-color-scheme: dark) {{\n{dark_block}\n}}\n"
