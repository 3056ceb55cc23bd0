"""Code blocks in source HTML: their text as the reader sees it, their language, and
the fence that holds them."""

from __future__ import annotations

import re

from bs4 import Comment, NavigableString, Tag

__all__ = ["code_text", "code_language", "fence_for"]

NOT_LANGUAGES = {"plaintext", "text", "plain", "none", "nohighlight", "highlight", "js-code-highlight", "txt"}
LANGUAGE_NAME = re.compile(r"^[A-Za-z0-9_+#.\-]{1,30}$")


def fence_for(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def code_text(pre: Tag) -> str:
    """The text of a ``pre`` block as the reader sees it (``<br>`` is a newline), minus
    the one trailing newline a fence adds back."""
    code_el = pre.find("code")
    node = code_el if code_el is not None and len(pre.find_all(recursive=False)) <= 1 else pre
    parts = []
    for piece in node.descendants:
        if isinstance(piece, Tag) and piece.name == "br":
            parts.append("\n")
        elif isinstance(piece, NavigableString) and not isinstance(piece, Comment):
            parts.append(str(piece))
    text = "".join(parts)
    return text[:-1] if text.endswith("\n") else text


def code_language(pre: Tag) -> str:
    """The language of a ``pre`` block from ``language-x``/``lang-x`` classes, Forem's
    ``pre.highlight <lang>`` or ``data-lang``; "" for plain text."""
    code = pre.find("code")
    candidates: list[str] = []
    for node in (code, pre):
        if isinstance(node, Tag):
            for cls in node.get("class", []) or []:
                match = re.match(r"^(?:language|lang)-(.+)$", cls)
                if match:
                    candidates.insert(0, match.group(1))
                else:
                    candidates.append(cls)
            if node.get("data-lang"):
                candidates.insert(0, node["data-lang"])
    for name in candidates:
        name = name.strip().lower()
        if name and name not in NOT_LANGUAGES and LANGUAGE_NAME.match(name) and not name.startswith(("hljs", "shiki", "kg-", "prettyprint", "wp-", "code", "syntax", "line")):
            return name
    return ""
