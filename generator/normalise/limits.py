"""Size limits on one article body: what a huge item is cut to, and where.

An article's Markdown is capped (``FeedLimits.max_article_bytes``, 512 KB by default):
a longer body is cut at a block boundary and ends with a note linking the original.
So that a 5 MiB item costs no more than the part that is kept, its HTML is first cut to
``HTML_FACTOR`` times the cap (HTML is longer than the Markdown made of it), at the end
of a block element; the sanitiser then runs on that part only, so a cut can never open
a hole in the allowlist.
"""

from __future__ import annotations

import re

__all__ = ["HTML_FACTOR", "cut_html", "cap_markdown", "MAX_TITLE", "MAX_AUTHOR", "MAX_TAG", "MAX_TAGS"]

# Front matter stays small whatever a feed sends (a 5 MB title is an attack, not a title).
MAX_TITLE = 300  # characters, cut at a word with "…"
MAX_AUTHOR = 200
MAX_TAG = 100  # a longer tag is dropped
MAX_TAGS = 50

HTML_FACTOR = 1.5  # Markdown is shorter than its HTML: this still leaves the cap full for most bodies
# The end of a block element: a cut just after one leaves whole paragraphs, items, code.
BLOCK_END = re.compile(
    r"</(?:p|div|pre|ul|ol|li|blockquote|table|h[1-6]|figure|section|article|aside|header|footer|dl|details)\s*>", re.I
)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Raw HTML blocks the converter writes across blank lines (list items holding code...).
CONTAINER_OPEN = re.compile(r"^<(ul|ol|blockquote|figure|details|dl|table|div)[\s>]")
CONTAINER_CLOSE = re.compile(r"^</(ul|ol|blockquote|figure|details|dl|table|div)>")


def cut_html(html: str, max_chars: int) -> tuple[str, bool]:
    """``html`` cut after the last block end within ``max_chars`` (else at the last tag
    end, else the last space); True when it was cut."""
    if len(html) <= max_chars:
        return html, False
    head = html[:max_chars]
    last_end = max((m.end() for m in BLOCK_END.finditer(head)), default=None)
    if last_end is not None:
        return head[:last_end], True
    end = max(head.rfind(">") + 1, head.rfind(" "))
    return head[:end] if end > 0 else "", True


def _utf8_prefix(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` that is at most ``max_bytes`` in UTF-8."""
    if len(text) * 4 <= max_bytes:
        return text
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def _fence_closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence) and set(stripped) == {fence[0]}


def _cut_point(text: str) -> tuple[int, str]:
    """Where to cut ``text`` (a prefix of a longer Markdown body) and what to add there.

    The last blank line outside code fences and raw HTML blocks is a block boundary; when
    the prefix ends inside a code fence, it is cut at a line and the fence closed; inside
    a long paragraph or list that started before the first half, at a line or a word."""
    boundary, fence, depth, position = 0, "", 0, 0
    fence_start = 0
    for line in text.splitlines(keepends=True):
        start, position = position, position + len(line)
        if fence:
            fence = "" if _fence_closes(line, fence) else fence
            continue
        if not line.strip():
            boundary = start if depth == 0 else boundary
        elif (match := FENCE.match(line)) and not (match.group(1)[0] == "`" and "`" in line[match.end():]):
            fence, fence_start = match.group(1), start
        elif (opened := CONTAINER_OPEN.match(line)) and f"</{opened.group(1)}>" not in line:
            depth += 1
        elif CONTAINER_CLOSE.match(line):
            depth = max(0, depth - 1)
    if fence:  # cut the code at a line and close its fence
        line_end = text.rfind("\n", fence_start)
        return (line_end, "\n" + fence) if line_end > fence_start else (boundary, "")
    if depth or boundary >= len(text) // 2:
        return boundary, ""
    end = max(text.rfind("\n"), text.rfind(" "))  # a long paragraph or list: at a line, else a word
    return (end, "") if end > boundary else (boundary, "")


def cap_markdown(markdown: str, max_bytes: int, note: str) -> tuple[str, bool]:
    """``markdown`` when it fits ``max_bytes`` (UTF-8), else its start cut at a block
    boundary and ended with ``note``, the whole within ``max_bytes``; True when cut."""
    if len(markdown) <= max_bytes // 4 or len(markdown.encode("utf-8")) <= max_bytes:
        return markdown, False
    room = max(0, max_bytes - len(note.encode("utf-8")) - 8)
    head = _utf8_prefix(markdown, room)
    point, closing = _cut_point(head)
    kept = head[:point].rstrip() + closing
    return (kept + "\n\n" if kept.strip() else "") + note + "\n", True
