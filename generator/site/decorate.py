"""Presentation touches on an article's HTML, applied when a page is rendered.

``markup`` and ``normalise`` produce the article body; feeds carry it unchanged. The
article *page* needs a little more so it reads well and stays accessible without
JavaScript, and this module adds exactly that (a pure function of the HTML string):

- code blocks get a wrapper naming their language (``data-lang``, shown by CSS, so the
  label is not part of the text) and ``tabindex="0"`` so keyboard users can scroll them;
- tables get a focusable wrapper that scrolls sideways on narrow screens;
- images are lazy-loaded and decoded off the main thread; one without ``alt`` is marked
  decorative rather than read out as a file name;
- iframes are lazy-loaded, get a ``title`` when they have none, and a class that keeps
  their aspect ratio (CSP forbids ``style`` attributes, so classes do it);
- headings are shifted so the body starts at ``<h2>`` under the page's one ``<h1>`` and
  never skips a level;
- footnote links get names that make sense out of context, and the footnotes section
  a visually hidden heading (an HTML outline, and the Nu checker, want one per section).

It works on the tag level with regular expressions: its input is sanitised HTML whose
text is escaped, so a literal ``<pre`` can only be a tag. That keeps a big site fast.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from pygments.lexers import find_lexer_class_by_name, get_all_lexers
from pygments.util import ClassNotFound

__all__ = ["decorate_article", "language_label", "toc_size"]

# A highlighted block is this opening, then its body up to the first "</code></pre>"
# (found with str.find: a lazy ".*?" over every block's text cost a third of this module).
_CODE_OPEN = re.compile(r'<pre class="highlight">(<code(?: class="language-(?P<lang>[^"]*)")?>)')
_CODE_CLOSE = "</code></pre>"
_PRE_NO_TABINDEX = re.compile(r"<pre(?![^>]*\btabindex=)(?=[\s>])")
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IFRAME = re.compile(r"<iframe\b[^>]*>", re.IGNORECASE)
_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
# data-footnote-ref="" and data-footnotes="" once an imported article's HTML went through
# the sanitiser again (allowlist.clean_rendered)
_FOOTNOTE_REF = re.compile(r'(<sup class="footnote-ref"><a href="#fn-[^"]*" id="fnref-[^"]*" data-footnote-ref(?:="")?)>(\d+)</a>')
_FOOTNOTES_SECTION = re.compile(r'<section class="footnotes" data-footnotes(?:="")?>')
_FOOTNOTES_LABEL = "footnote-label"
_VIDEO_HOSTS = ("youtube.com", "youtube-nocookie.com", "youtu.be", "vimeo.com", "player.vimeo.com", "dailymotion.com")
# Aspect ratios the stylesheet knows, as (class, width / height).
_RATIOS = (("ratio-16x9", 16 / 9), ("ratio-4x3", 4 / 3), ("ratio-1x1", 1.0), ("ratio-9x16", 9 / 16))


def decorate_article(body: str) -> str:
    """The article HTML as the article page shows it (see the module docstring)."""
    body = _shift_headings(body)
    body = _wrap_code_blocks(body)
    body = _PRE_NO_TABINDEX.sub('<pre tabindex="0"', body)
    body = _wrap_tables(body)
    body = _IMG.sub(_lazy_image, body)
    body = _IFRAME.sub(_framed_embed, body)
    body = _name_footnotes(body)
    body = _FOOTNOTES_SECTION.sub(_footnotes_heading(body), body, count=1)
    return body


@lru_cache(maxsize=1)
def _lexer_names() -> dict[str, str]:
    """Pygments' built-in lexers by alias, from its table: naming a language needs no lexer
    (making one compiles its rules: 0.1 s of a one-post rebuild)."""
    return {alias: name for name, aliases, _, _ in get_all_lexers(plugins=False) for alias in aliases}


@lru_cache(maxsize=256)
def language_label(lang: str) -> str:
    """``py`` -> ``Python``: Pygments' name for a language, else the word as written."""
    name = _lexer_names().get(lang.lower())
    if name is not None:
        return name
    try:
        return find_lexer_class_by_name(lang).name  # a plugin's lexer
    except ClassNotFound:
        return lang


def toc_size(tokens: list[dict[str, Any]]) -> int:
    """How many headings a table of contents (Python-Markdown ``toc_tokens``) lists."""
    return sum(1 + toc_size(t.get("children", [])) for t in tokens)


def _wrap_code_blocks(body: str) -> str:
    """Each highlighted block in a wrapper naming its language; the block made focusable."""
    out: list[str] = []
    done = 0
    while (match := _CODE_OPEN.search(body, done)) is not None:
        end = body.find(_CODE_CLOSE, match.end())
        if end < 0:  # not closed: neither is any later one
            break
        lang = match.group("lang") or ""
        label = f' data-lang="{html.escape(language_label(lang))}"' if lang else ""
        out += (body[done : match.start()], f'<div class="code-block"{label}><pre class="highlight" tabindex="0">', match.group(1), body[match.end() : end], "</code></pre></div>")
        done = end + len(_CODE_CLOSE)
    if not out:
        return body
    out.append(body[done:])
    return "".join(out)


def _wrap_tables(body: str) -> str:
    """Wrap each outermost table in a focusable box that scrolls sideways."""
    out, depth, last = [], 0, 0
    for match in _TABLE_TAG.finditer(body):
        closing = match.group(1) == "/"
        if not closing:
            if depth == 0:
                out += [body[last : match.start()], '<div class="table-wrap" tabindex="0">']
                last = match.start()
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                out += [body[last : match.end()], "</div>"]
                last = match.end()
    if depth:  # an unclosed table: leave the HTML as it was from there on
        out.append("</div>")
    out.append(body[last:])
    return "".join(out)


def _add_attr(tag: str, name: str, value: str) -> str:
    if re.search(rf"\s{name}=", tag, re.IGNORECASE):
        return tag
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end].rstrip()} {name}="{html.escape(value)}"{tag[end:]}'


def _lazy_image(match: re.Match[str]) -> str:
    tag = _add_attr(match.group(0), "alt", "")
    tag = _add_attr(tag, "loading", "lazy")
    return _add_attr(tag, "decoding", "async")


def _attr(tag: str, name: str) -> str:
    found = re.search(rf"""\s{name}=(["'])(.*?)\1""", tag, re.IGNORECASE | re.DOTALL)
    return html.unescape(found.group(2)) if found else ""


def _ratio_class(tag: str, host: str) -> str:
    width, height = _attr(tag, "width"), _attr(tag, "height")
    if width.isdigit() and height.isdigit() and int(height) > 0:
        ratio = int(width) / int(height)
        return min(_RATIOS, key=lambda r: abs(r[1] - ratio))[0]
    if host.endswith(_VIDEO_HOSTS):
        return "ratio-16x9"
    return ""


def _framed_embed(match: re.Match[str]) -> str:
    tag = match.group(0)
    host = urlsplit(_attr(tag, "src")).hostname or ""
    host = host.removeprefix("www.")
    tag = _add_attr(tag, "title", f"Embedded content from {host}" if host else "Embedded content")
    tag = _add_attr(tag, "loading", "lazy")
    ratio = _ratio_class(tag, host)
    if ratio:
        if re.search(r"\sclass=", tag, re.IGNORECASE):
            tag = re.sub(r"""(\sclass=["'])""", rf"\g<1>{ratio} ", tag, count=1, flags=re.IGNORECASE)
        else:
            tag = _add_attr(tag, "class", ratio)
    return tag


def _shift_headings(body: str) -> str:
    """Make body headings start at h2 and go down one level at a time."""
    levels = [int(m.group(1)) for m in _HEADING.finditer(body)]
    if not levels:
        return body
    shift = 2 - min(levels)
    state = {"previous": 1}

    def fix(match: re.Match[str]) -> str:
        level = min(6, int(match.group(1)) + shift)
        level = min(level, state["previous"] + 1)
        state["previous"] = level
        if level == int(match.group(1)):
            return match.group(0)
        return f"<h{level}{match.group(2) or ''}>{match.group(3)}</h{level}>"

    return _HEADING.sub(fix, body)


def _name_footnotes(body: str) -> str:
    """A reference reads "Footnote 1", not "1" (cmark already names the way back)."""
    return _FOOTNOTE_REF.sub(lambda m: f'{m.group(1)} aria-label="Footnote {m.group(2)}">{m.group(2)}</a>', body)


def _footnotes_heading(body: str) -> str:
    """The footnotes section's opening tag with a heading screen readers announce.

    It is an ``<h2>``: headings in the body start at ``<h2>`` (see ``_shift_headings``),
    so one more at the end never skips a level. Its id is left out when the article
    already uses it.
    """
    heading = '<h2 class="visually-hidden"{}>Footnotes</h2>'
    if f'id="{_FOOTNOTES_LABEL}"' in body:
        return '<section class="footnotes" data-footnotes>\n' + heading.format("")
    return f'<section class="footnotes" data-footnotes aria-labelledby="{_FOOTNOTES_LABEL}">\n' + heading.format(f' id="{_FOOTNOTES_LABEL}"')
