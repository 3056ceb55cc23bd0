"""Code blocks in source HTML: their text as the reader sees it, their language, and
the fence that holds them."""

from __future__ import annotations

import re

from bs4 import Comment, Tag
from bs4.element import NavigableString

from generator.htmlattrs import attr, attr_words

__all__ = ["code_text", "code_language", "fence_for", "text_with_breaks"]

NOT_LANGUAGES = {"plaintext", "text", "plain", "none", "nohighlight", "highlight", "js-code-highlight", "txt", "sourcecode",
                 "cell", "cell-code", "number-lines", "numberlines", "lineno", "linenos", "linenums", "copy", "default", "output"}
# A wrapper's class naming the language: MkDocs' ``div.language-python``, Jupyter's
# ``div.highlight.hl-ipython3``, Docusaurus' ``div.language-js``, Pandoc's ``div.sourceCode``.
WRAPPER_LANGUAGE = re.compile(r"^(?:language|lang|hl)-(.+)$")
LANGUAGE_NAME = re.compile(r"^[A-Za-z0-9_+#.\-]{1,30}$")


def fence_for(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def text_with_breaks(node: Tag) -> str:
    """The text of ``node`` with ``<br>`` as a newline."""
    parts = []
    for piece in node.descendants:
        if isinstance(piece, Tag) and piece.name == "br":
            parts.append("\n")
        elif isinstance(piece, NavigableString) and not isinstance(piece, Comment):
            parts.append(str(piece))
    return "".join(parts)


def code_text(pre: Tag) -> str:
    """The text of a ``pre`` block as the reader sees it (``<br>`` is a newline), minus
    the one trailing newline a fence adds back. Text of the ``pre`` around its ``code``
    (``<pre>$ <code>cmd</code></pre>``) is kept; mere whitespace around it is not."""
    code_el = pre.find("code")
    text = text_with_breaks(pre)
    if code_el is not None:
        inner = text_with_breaks(code_el)
        if text.strip() == inner.strip():
            text = inner
    return text[:-1] if text.endswith("\n") else text


def code_language(pre: Tag) -> str:
    """The language of a ``pre`` block from ``language-x``/``lang-x`` classes, Forem's
    ``pre.highlight <lang>``, ``data-lang``, or its wrapper's ``language-x``/``hl-x``
    class; "" for plain text."""
    code = pre.find("code")
    candidates: list[str] = []
    for node in (code, pre):
        if isinstance(node, Tag):
            for cls in attr_words(node, "class"):
                match = re.match(r"^(?:language|lang)-(.+)$", cls)
                if match:
                    candidates.insert(0, match.group(1))
                else:
                    candidates.append(cls)
            if attr(node, "data-lang"):
                candidates.insert(0, attr(node, "data-lang"))
    brush = re.search(r"\bbrush:\s*([\w+#.-]+)", attr(pre, "class"))
    if brush:  # SyntaxHighlighter (WordPress): class="brush: python; title: ; notranslate"
        candidates.insert(0, brush.group(1))
    wrapper = pre.parent
    if isinstance(wrapper, Tag) and wrapper.name == "div":  # a fallback after the pre's own
        candidates += [m.group(1) for c in attr_words(wrapper, "class") if (m := WRAPPER_LANGUAGE.match(c))]
    for name in candidates:
        name = name.strip().lower()
        if name and name not in NOT_LANGUAGES and LANGUAGE_NAME.match(name) and not name.startswith(("hljs", "shiki", "kg-", "prettyprint", "wp-", "code", "syntax", "line")):
            return name
    return ""
