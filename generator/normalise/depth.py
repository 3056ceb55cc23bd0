"""Deeply nested HTML made flat before anything parses it.

Ten thousand nested ``<div>``s cost the sanitiser's HTML5 parser time quadratic in the
depth (its scope checks walk the stack of open elements), and every recursive step after
it (the converter, the summary) would fail with a ``RecursionError``. So, before the
sanitiser, one linear pass over the raw HTML follows the nesting the way an HTML parser
would (void elements, the end tags HTML lets a writer leave out, raw text of
``<script>``-like elements) and, past ``MAX_DEPTH`` open elements, keeps only what a
reader needs of the deeper levels, as flat blocks: text, links, images, line breaks and
code (``<pre>`` and ``<code>``), with a paragraph break wherever a block element began
or ended. Everything else of those levels (the tags, not their text) is left out.

HTML that never goes deeper than the limit comes out byte for byte as it went in.
What comes out still goes through the sanitiser: this pass decides nothing about safety.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["MAX_DEPTH", "flatten_deep"]

MAX_DEPTH = 48  # open elements kept as they are; real articles stay under 25
VOID = frozenset("area base br col embed hr img input link meta param source track wbr keygen".split())
RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())
BLOCKS = frozenset(
    "address article aside blockquote details dialog dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p section summary table tbody thead tfoot tr td th caption ul center".split()
)
CLOSES_P = BLOCKS | {"pre"}
FOREIGN = ("svg", "math")
HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
START_TAG = re.compile(
    r"<([a-zA-Z][^\t\n\f\r />]*+)(?:[\t\n\f\r /]++|[^\t\n\f\r />][^\t\n\f\r /=>]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]*+))?+)*+>"
)
TAG_NAME = re.compile(r"[a-zA-Z][^\t\n\f\r />]*")


@dataclass
class _Flattener:
    source: str
    limit: int
    out: list[str] = field(default_factory=list)
    stack: list[str] = field(default_factory=list)
    open_names: Counter[str] = field(default_factory=Counter)
    kept: dict[str, int] = field(default_factory=dict)  # "a"/"code"/"pre" kept open in the deep part -> its depth
    pending_break: bool = False

    # --- the stack of open elements

    def push(self, name: str) -> None:
        self.stack.append(name)
        self.open_names[name] += 1

    def pop(self) -> None:
        name = self.stack.pop()
        self.open_names[name] -= 1
        self.close_deep(name, len(self.stack))

    def implied_ends(self, name: str) -> None:
        """The end tags HTML lets a writer leave out (``<li>a<li>b``, ``<p>a<div>``)."""
        top = self.stack[-1] if self.stack else ""
        if name in CLOSES_P and top == "p":
            self.pop()
        top = self.stack[-1] if self.stack else ""
        if (name == "li" and top == "li") or (name in ("dt", "dd") and top in ("dt", "dd")) or (
            name in ("td", "th", "tr") and top in ("td", "th")
        ) or (name == "option" and top == "option"):
            self.pop()
        if name == "tr" and self.stack and self.stack[-1] == "tr":
            self.pop()
        if name == "a" and self.open_names["a"]:  # a link never holds a link: the open one ends
            while self.stack[-1] != "a":
                self.pop()
            self.pop()
        if name in HEADINGS and self.stack and self.stack[-1] in HEADINGS:
            self.pop()

    @property
    def deep(self) -> bool:
        """A start tag read now would open an element past the limit."""
        return len(self.stack) >= self.limit

    @property
    def inside_deep(self) -> bool:
        """Text read now belongs to an element past the limit."""
        return len(self.stack) > self.limit

    # --- what the deep part keeps

    def emit_content(self, text: str) -> None:
        if self.pending_break and "pre" not in self.kept:
            self.out.append("<p>")
        self.pending_break = False
        self.out.append(text)

    def paragraph_break(self) -> None:
        if "a" in self.kept:  # a link does not run across blocks
            self.out.append("</a>")
            del self.kept["a"]
        self.pending_break = True

    def close_deep(self, name: str, depth: int) -> None:
        """``name`` at ``depth`` has just ended: close what the deep part kept of it."""
        if depth < self.limit:
            return
        if name in ("a", "code", "pre") and self.kept.get(name) == depth:
            if name == "pre" and "code" in self.kept:
                self.out.append("</code>")
                del self.kept["code"]
            self.out.append(f"</{name}>")
            del self.kept[name]
            if name == "pre":
                self.pending_break = True
        elif name in BLOCKS:
            self.paragraph_break()
        if depth == self.limit:  # back at the limit: nothing kept stays open
            for kept in ("a", "code", "pre"):
                if kept in self.kept:
                    self.out.append(f"</{kept}>")
            self.kept.clear()
            self.pending_break = False

    def deep_start(self, name: str, tag: str) -> None:
        depth = len(self.stack)
        in_pre = "pre" in self.kept
        if name == "br":
            self.out.append("<br>")
        elif name == "img" and not in_pre:
            self.emit_content(tag)
        elif name in ("a", "code") and name not in self.kept and not (name == "a" and in_pre):
            self.emit_content(tag)
            self.kept[name] = depth
        elif name == "pre" and not in_pre:
            self.paragraph_break()
            self.emit_content(tag)
            self.kept["pre"] = depth
        elif name in BLOCKS and not in_pre:
            self.paragraph_break()

    # --- the walk

    def start_tag(self, name: str, tag: str) -> None:
        self.implied_ends(name)
        if name == "tr" and (not self.stack or self.stack[-1] not in ("tbody", "thead", "tfoot")):
            self.push("tbody")  # the parser puts every row in a table body: one level more
        if self.deep:
            self.deep_start(name, tag)
        else:
            self.out.append(tag)
        # "/>" closes an element only in SVG and MathML (in HTML, <div/> opens a div)
        foreign = name in FOREIGN or any(self.open_names[f] for f in FOREIGN)
        if name not in VOID and not (foreign and tag.endswith("/>")):
            self.push(name)

    def end_tag(self, name: str, tag: str) -> None:
        if not self.open_names[name]:
            if not self.deep:
                self.out.append(tag)  # a stray end tag: the parser deals with it
            return
        while self.stack[-1] != name:
            self.pop()
        depth = len(self.stack) - 1
        if depth < self.limit:
            self.stack.pop()
            self.open_names[name] -= 1
            self.close_deep(name, depth)
            self.out.append(tag)
        else:
            self.pop()

    def text(self, text: str) -> None:
        if not self.inside_deep or not text:
            self.out.append(text)
        elif text.strip():
            self.emit_content(text)
        else:
            self.out.append(text)

    def raw_text(self, name: str, start: int) -> int:
        """The content of a ``<script>``-like element is text up to its end tag."""
        end = re.compile(rf"</{re.escape(name)}[\t\n\f\r />]", re.I).search(self.source, start)
        stop = end.start() if end else len(self.source)
        if not self.inside_deep:
            self.out.append(self.source[start:stop])
        return stop

    def run(self) -> str:
        source, position, size = self.source, 0, len(self.source)
        while position < size:
            lt = source.find("<", position)
            if lt < 0:
                self.text(source[position:])
                break
            self.text(source[position:lt])
            position = self.markup(lt)
        return "".join(self.out)

    def markup(self, lt: int) -> int:
        """Read the markup at ``lt``; the position after it."""
        source = self.source
        if source.startswith("<!--", lt):
            if source.startswith(("<!-->", "<!--->"), lt):  # empty comments HTML accepts
                return self.verbatim_unless_deep(lt, source.index(">", lt) + 1)
            end = source.find("-->", lt + 4)
            return self.verbatim_unless_deep(lt, end + 3 if end >= 0 else len(source))
        end_name = TAG_NAME.match(source, lt + 2) if source.startswith("</", lt) else None
        if end_name is not None:
            end = source.find(">", lt)
            end = end + 1 if end >= 0 else len(source)
            self.end_tag(end_name.group(0).lower(), source[lt:end])
            return end
        if source.startswith(("<!", "<?", "</"), lt):  # a declaration, or a bogus comment
            end = source.find(">", lt)
            return self.verbatim_unless_deep(lt, end + 1 if end >= 0 else len(source))
        match = START_TAG.match(source, lt)
        if match is None:
            if TAG_NAME.match(source, lt + 1):  # a tag the document ends in: the parser drops it
                return self.verbatim_unless_deep(lt, len(source))
            self.text("<")
            return lt + 1
        name = match.group(1).lower()
        self.start_tag(name, match.group(0))
        if name in RAW_TEXT:
            return self.raw_text(name, match.end())
        if name == "plaintext":
            rest = source[match.end():]
            self.out.append(html.escape(rest, quote=False) if self.inside_deep else rest)
            return len(source)
        return match.end()

    def verbatim_unless_deep(self, start: int, end: int) -> int:
        if not self.inside_deep:
            self.out.append(self.source[start:end])
        return end


def flatten_deep(source: str, limit: int = MAX_DEPTH) -> str:
    """``source`` with everything nested deeper than ``limit`` elements made flat."""
    if source.count("<") < limit:  # too few tags to nest that deep
        return source
    return _Flattener(source, limit).run()
