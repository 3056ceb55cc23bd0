"""What HTML from other sites may hold: the one allowlist, and the nh3 call that applies it.

Imported HTML is cleaned twice with this allowlist. ``normalise/sanitise.py`` cleans
every body before it becomes Markdown (and turns iframes from other hosts into links);
``site/markup.py`` cleans the HTML an imported article's Markdown renders to, so no bug in
writing or reading that Markdown can pass markup through (:func:`clean_rendered`).

Anything not allowed is dropped: scripts and styles with their content, event
handlers, ``javascript:`` / ``vbscript:`` / ``data:`` URLs (however disguised with
entities, whitespace or control characters), forms, ``object``/``embed``, ``base``,
``meta``. This module needs nh3 and the standard library only, so a build can import it
cheaply (the normaliser's BeautifulSoup is not loaded).
"""

from __future__ import annotations

import functools
import html
import re
from urllib.parse import urlsplit

import nh3

__all__ = [
    "EMBED_HOSTS",
    "EMBED_SANDBOX",
    "SAFE_SCHEMES",
    "ALLOWED_TAGS",
    "ALLOWED_ATTRIBUTES",
    "RENDERER_ATTRIBUTES",
    "safe_url",
    "clean",
    "clean_rendered",
]

# Hosts an <iframe> in the output may point at (after YouTube/Vimeo are rewritten to their
# privacy-friendly players). The deploy's CSP frame-src is built from this tuple.
EMBED_HOSTS: tuple[str, ...] = (
    "www.youtube-nocookie.com",
    "player.vimeo.com",
    "codepen.io",
    "codesandbox.io",
    "stackblitz.com",
    "open.spotify.com",
    "w.soundcloud.com",
)

# What an embedded player may do, and what it is told of the page it is on. Every iframe
# of an imported article carries exactly these, whatever its source said.
EMBED_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups"
EMBED_REFERRER = "strict-origin-when-cross-origin"

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
WEB_SCHEMES = frozenset({"http", "https"})

ALLOWED_TAGS = {
    "a", "abbr", "audio", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "input", "ins", "kbd", "label", "li", "mark", "ol", "p",
    "picture", "pre", "q", "s", "samp", "section", "article", "aside", "header", "footer", "main",
    "small", "source", "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "track", "u", "ul", "var", "video", "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes"},
    "iframe": {"src", "width", "height", "allow", "allowfullscreen"},
    "video": {"src", "poster", "width", "height", "controls", "loop", "muted", "playsinline", "autoplay"},
    "audio": {"src", "controls", "loop", "muted"},
    "source": {"src", "srcset", "type", "media"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "input": {"type", "checked"},  # task lists' checkboxes; any other input is removed (see below)
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "pre": {"data-lang"},
    "code": {"data-lang"},
}
# What the site's Markdown renderer itself writes (cmark-gfm's footnotes and task-list
# boxes, an image's attribute list), allowed on top when its output is cleaned: none of
# it is a URL or script.
RENDERER_ATTRIBUTES = {
    "a": {"data-footnote-ref", "data-footnote-backref", "data-footnote-backref-idx", "aria-label"},
    "section": {"data-footnotes"},
    "img": {"loading", "decoding"},
    "input": {"disabled"},
    "video": {"preload"},
    "audio": {"preload"},
}
# Set on every such element of a cleaned article, replacing what the source wrote: an
# iframe is always sandboxed, lazy and told no more than the page's origin.
FORCED_ATTRIBUTES = {"iframe": {"sandbox": EMBED_SANDBOX, "referrerpolicy": EMBED_REFERRER, "loading": "lazy"}}
# Removed with everything inside them, not just their tags.
DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "title", "textarea", "select", "object", "embed", "applet", "svg", "math", "head"}
URL_ATTRIBUTES = {"href", "src", "poster", "cite"}
STYLE_PROPERTIES = {"text-align"}  # a cell's alignment (style="text-align:right"), nothing else
CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_EMPTY_IFRAME = re.compile(r"<iframe\b(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.I | re.S)
_NOT_A_CHECKBOX = re.compile(r'<input\b(?![^>]*\stype="checkbox")[^>]*>', re.I)


def safe_url(url: str, schemes: set[str] | frozenset[str] = SAFE_SCHEMES) -> bool:
    """True when ``url`` is http(s), mailto (or one of ``schemes``), or relative - however
    it is disguised.

    Browsers ignore entities, whitespace and control characters inside a scheme
    (``jav&#x09;ascript:``), so the check decodes and strips them first.
    """
    text = CONTROL.sub("", html.unescape(html.unescape(url or "")))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", text)
    if not match:
        return not text.startswith("\\")  # "\\evil.com" is read as "//evil.com" by browsers
    return match.group(1).lower() in schemes


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    # Only a link may be mailto:; an image, a video or a quote's source is fetched from the web.
    schemes = SAFE_SCHEMES if attribute == "href" else WEB_SCHEMES
    if attribute == "srcset":
        return value if all(safe_url(c.strip().split(" ")[0], schemes) for c in value.split(",") if c.strip()) else None
    if attribute in URL_ATTRIBUTES and not safe_url(value, schemes):
        return None
    return value


def _embedded_host(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and (parts.hostname or "") in EMBED_HOSTS


def _filter_rendered_attribute(element: str, attribute: str, value: str) -> str | None:
    # By now every iframe has been made an https player of an EMBED_HOSTS host: any other
    # loses its src, and then the iframe itself (see clean_rendered).
    if element == "iframe" and attribute == "src" and not _embedded_host(value):
        return None
    return _filter_attribute(element, attribute, value)


# What both cleanings share: the tags, what goes with its content, comments, styles, schemes.
_clean_with_allowlist = functools.partial(
    nh3.clean,
    tags=ALLOWED_TAGS,
    clean_content_tags=DROP_WITH_CONTENT,
    strip_comments=True,
    filter_style_properties=STYLE_PROPERTIES,
    link_rel=None,
    url_schemes=SAFE_SCHEMES,
)


def clean(body: str) -> str:
    """``body`` with only allowlisted tags, attributes and URLs left."""
    return _clean_with_allowlist(body, attributes=ALLOWED_ATTRIBUTES, attribute_filter=_filter_attribute)


_RENDERED_ATTRIBUTES = {
    tag: ALLOWED_ATTRIBUTES.get(tag, set()) | RENDERER_ATTRIBUTES.get(tag, set())
    for tag in ALLOWED_ATTRIBUTES.keys() | RENDERER_ATTRIBUTES.keys()
}


def clean_rendered(body: str) -> str:
    """The HTML an imported article's Markdown rendered to, cleaned with the same
    allowlist (plus the renderer's own footnote and image attributes)."""
    clean_body = _clean_with_allowlist(
        body,
        attributes=_RENDERED_ATTRIBUTES,
        attribute_filter=_filter_rendered_attribute,
        set_tag_attribute_values=FORCED_ATTRIBUTES,
    )
    if "<iframe" in clean_body:
        clean_body = _EMPTY_IFRAME.sub("", clean_body)
    return _NOT_A_CHECKBOX.sub("", clean_body) if "<input" in clean_body else clean_body
