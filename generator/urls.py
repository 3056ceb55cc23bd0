"""URLs that come from feed metadata: checked, made absolute and percent-encoded.

A feed's item link, its guid when that is the link, the feed's own link, images
(``media:content``, ``media:thumbnail``, image enclosures, JSON Feed's ``image``) and
``xml:base`` are text a stranger wrote. Before any of them is stored or shown it goes
through :func:`http_url`: parsed, resolved against its base, kept only when it is an
absolute ``http``/``https`` URL with a real host, and percent-encoded wherever a
browser, a Markdown parser or an HTML attribute could read a character as syntax.
What comes out has no whitespace, quotes, angle brackets, backslashes or control
characters, so it can go into an HTML attribute (autoescaped) or a Markdown link
destination (:func:`markdown_destination`) without changing meaning.

The build checks again what it reads back from ``content/`` (:func:`page_url`): a
hand-edited front matter or an article written by older code cannot make a
``javascript:`` link either. Only the standard library is used, so the site stage can
import this without the normaliser's dependencies.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

__all__ = ["http_url", "page_url", "markdown_destination", "MAX_URL_LENGTH"]

MAX_URL_LENGTH = 4096  # longer is no link anyone meant; dropping it bounds what a feed can store
WEB_SCHEMES = ("http", "https")
# Browsers drop tabs and newlines anywhere in a URL, and C0 controls and spaces at its ends.
_DROPPED = re.compile(r"[\t\n\r]")
_EDGES = "".join(chr(c) for c in range(0x21)) + "\x7f"
# What may stay as it is in a path, query or fragment: RFC 3986's unreserved and
# sub-delimiters but the apostrophe, ':' and '@', '/' and '?', and '%' when it starts an
# escape. Everything else (space, quotes, <>, backslash, ^, `, {|}, controls, non-ASCII)
# is percent-encoded, so no context (an attribute in either quotes, a Markdown link) ends early.
_SAFE = "!$&()*+,;=:@/?-._~"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Labels of letters, digits, '-' and '_' (which some real hosts have) separated by dots.
_HOST = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def _encode(part: str, extra_safe: str = "") -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=_SAFE + "%" + extra_safe)


def _host(hostname: str) -> str | None:
    """The host in ASCII (IDNA for an international name); None when it is not a host."""
    if hostname.startswith("[") or ":" in hostname:  # an IPv6 literal, validated by urlsplit
        return hostname
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    return ascii_host if _HOST.match(ascii_host) else None


def _netloc(parts: SplitResult) -> str | None:
    try:
        hostname, port = parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError:
        return None
    if not hostname:
        return None
    host = _host(hostname)
    if host is None:
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    # user:password@ is left out: a feed has no business sending readers' browsers credentials
    return host + (f":{port}" if port is not None else "")


def http_url(value: object, base: str = "") -> str:
    """``value`` as an absolute, percent-encoded http(s) URL; "" when it is not one.

    Relative URLs are resolved against ``base`` (itself used only when it is http(s));
    ``//host/x`` becomes ``https://host/x``. The result is idempotent:
    ``http_url(http_url(u)) == http_url(u)``.
    """
    if not isinstance(value, str):
        return ""
    text = _DROPPED.sub("", value).strip(_EDGES)
    if not text or len(text) > MAX_URL_LENGTH:
        return ""
    if text.startswith("//"):
        text = "https:" + text
    base = http_url(base) if base else ""
    try:
        resolved = urljoin(base, text) if base else text
        parts = urlsplit(resolved)
    except ValueError:  # a malformed IPv6 literal, and the like
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES:
        return ""
    netloc = _netloc(parts)
    if netloc is None:
        return ""
    path = _encode(parts.path)
    url = urlunsplit((parts.scheme.lower(), netloc, path, _encode(parts.query), _encode(parts.fragment)))
    return url if len(url) <= MAX_URL_LENGTH else ""


def page_url(value: object) -> str:
    """A URL read back from front matter for a page: http(s) as :func:`http_url` makes it,
    or a site path (``/images/x.png``, ``img/x.png``) left to the templates; else ""."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", text) or text.startswith(("//", "\\")) or _DROPPED.search(text):
        return http_url(text)
    return _encode(text, "#")


def markdown_destination(url: str) -> str:
    """``url`` as a CommonMark link destination: ``<...>`` (no parenthesis counting), with
    an ``&`` that would read as an entity written as ``&amp;`` (cmark-gfm decodes the
    entity even after a backslash). ``url`` comes from :func:`http_url`."""
    return "<" + _ENTITY_LIKE.sub("&amp;", url) + ">"
