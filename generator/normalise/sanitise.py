"""The allowlist sanitiser every imported body goes through before conversion.

This module owns what is *safe*: which tags and attributes survive (nh3, an
html5ever-based allowlist cleaner), which URL schemes a link or image may use, and
which hosts an ``<iframe>`` may come from (``EMBED_HOSTS``; the deploy's
Content-Security-Policy ``frame-src`` uses the same list). Anything not allowed is
dropped: scripts and styles with their content, event handlers, ``javascript:`` /
``vbscript:`` / ``data:`` URLs, forms, ``object``/``embed``, ``base``, ``meta``.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

import nh3
from bs4 import BeautifulSoup

__all__ = [
    "EMBED_HOSTS",
    "EMBED_SANDBOX",
    "sanitise_html",
    "safe_url",
    "absolute_url",
    "embed_url",
    "strip_tracking",
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
EMBED_SANDBOX = "allow-scripts allow-same-origin allow-presentation allow-popups"
# Input hosts whose iframes are accepted (and rewritten when needed).
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"player.vimeo.com", "vimeo.com", "www.vimeo.com"}
ACCEPTED_IFRAME_HOSTS = YOUTUBE_HOSTS | VIMEO_HOSTS | set(EMBED_HOSTS)

SAFE_SCHEMES = {"http", "https", "mailto"}

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
    "input": {"type", "checked"},  # task lists' checkboxes; any other input is removed below
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "time": {"datetime"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "pre": {"data-lang"},
    "code": {"data-lang"},
}
# Removed with everything inside them, not just their tags.
DROP_WITH_CONTENT = {"script", "style", "template", "noscript", "title", "textarea", "select", "object", "embed", "applet", "svg", "math", "head"}
URL_ATTRIBUTES = {"href", "src", "poster", "cite"}
CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(url: str) -> bool:
    """True when ``url`` is http(s), mailto, or relative - however it is disguised.

    Browsers ignore entities, whitespace and control characters inside a scheme
    (``jav&#x09;ascript:``), so the check decodes and strips them first.
    """
    text = CONTROL.sub("", html.unescape(html.unescape(url or "")))
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", text)
    if not match:
        return not text.startswith("\\")  # "\\evil.com" is read as "//evil.com" by browsers
    return match.group(1).lower() in SAFE_SCHEMES


def absolute_url(url: str, base: str) -> str:
    """``url`` resolved against ``base`` (protocol-relative becomes https); "" if unsafe."""
    url = (url or "").strip()
    if not url or not safe_url(url):
        return ""
    if url.startswith("//"):
        url = "https:" + url
    resolved = urljoin(base, url) if base else url
    return resolved if safe_url(resolved) else ""


TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|mc_[a-z]+|fbclid|gclid)$")


def _tracking(key: str, value: str, host: str, platform: str) -> bool:
    if TRACKING_PARAMS.match(key):
        return True
    if key == "source" and (host == "medium.com" or host.endswith(".medium.com") or "medium" in value.lower()):
        return True
    return key == "ref" and platform == "ghost" and ("." in value or value.endswith("-newsletter"))


def strip_tracking(url: str, platform: str = "generic") -> str:
    """Drop tracking query parameters: utm_*, Medium's ``source``, Ghost's ``ref=<site>``.
    The parameters kept are kept as written (``?flag`` stays ``?flag``, ``(`` stays ``(``):
    a URL with nothing to drop comes back unchanged."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    host = (parts.hostname or "").lower()
    pieces = parts.query.split("&")
    kept = []
    for piece in pieces:
        key, _, value = piece.partition("=")
        if not _tracking(unquote_plus(key), unquote_plus(value), host, platform):
            kept.append(piece)
    if len(kept) == len(pieces):
        return url
    return urlunsplit(parts._replace(query="&".join(kept)))


def embed_url(src: str) -> str:
    """The privacy-friendly player URL for an accepted iframe ``src``; "" when not accepted."""
    src = ("https:" + src) if src.startswith("//") else src
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in ACCEPTED_IFRAME_HOSTS:
        return ""
    if host in YOUTUBE_HOSTS:
        match = re.search(r"/(?:embed|v|shorts)/([\w-]{6,})", parts.path)
        if not match:
            return ""
        query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("start", "end", "list", "t")]
        return urlunsplit(("https", "www.youtube-nocookie.com", f"/embed/{match.group(1)}", urlencode(query), ""))
    if host in VIMEO_HOSTS:
        match = re.search(r"/(?:video/)?(\d+)", parts.path)
        if not match:
            return ""
        query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("h", "t")] + [("dnt", "1")]
        return urlunsplit(("https", "player.vimeo.com", f"/video/{match.group(1)}", urlencode(query), parts.fragment))
    return urlunsplit(parts._replace(scheme="https"))


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute in URL_ATTRIBUTES or attribute == "srcset":
        if attribute == "srcset":
            return value if all(safe_url(c.strip().split(" ")[0]) for c in value.split(",") if c.strip()) else None
        if not safe_url(value):
            return None
    return value


def _iframes_outside_allowlist_to_links(clean: str) -> str:
    """An iframe from a host not in the allowlist becomes a plain link to what it showed."""
    if "<iframe" not in clean:
        return clean
    soup = BeautifulSoup(clean, "html.parser")
    for frame in soup.find_all("iframe"):
        src = (frame.get("src") or "").strip()
        if embed_url(src):
            continue
        if not src:
            frame.decompose()
            continue
        host = urlsplit("https:" + src if src.startswith("//") else src).hostname or "another site"
        para = soup.new_tag("p")
        link = soup.new_tag("a", href=src)
        link.string = f"Embedded content from {host}"
        para.append(link)
        frame.replace_with(para)
    return str(soup)


def _only_checkboxes(clean: str) -> str:
    """Task lists keep their boxes, as disabled checkboxes; every other input goes."""
    if "<input" not in clean:
        return clean
    soup = BeautifulSoup(clean, "html.parser")
    for box in soup.find_all("input"):
        if str(box.get("type", "")).strip().lower() != "checkbox":
            box.decompose()
            continue
        box.attrs = {"type": "checkbox", "disabled": ""} | ({"checked": ""} if box.has_attr("checked") else {})
    return str(soup)


def sanitise_html(body: str) -> str:
    """The body with only allowlisted tags, attributes and URLs left."""
    clean = nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        strip_comments=True,
        filter_style_properties={"text-align"},  # a cell's alignment (style="text-align:right"), nothing else
        link_rel=None,
        url_schemes=SAFE_SCHEMES,
    )
    return _only_checkboxes(_iframes_outside_allowlist_to_links(clean))
