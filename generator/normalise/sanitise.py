"""The allowlist sanitiser every imported body goes through before conversion.

Which tags, attributes and URL schemes survive, and which hosts an ``<iframe>`` may
come from, is ``allowlist.py``'s (nh3, an html5ever-based allowlist cleaner; the build
cleans imported articles' rendered HTML again with it). This module applies it to a
feed's body, rewrites accepted iframes to privacy-friendly players (an iframe from
another host becomes a link to what it showed), resolves URLs and strips tracking
parameters. Anything not allowed is dropped: scripts and styles with their content,
event handlers, ``javascript:`` / ``vbscript:`` / ``data:`` URLs, forms,
``object``/``embed``, ``base``, ``meta``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup

from generator.allowlist import EMBED_HOSTS, EMBED_REFERRER, EMBED_SANDBOX, clean, safe_url
from generator.htmlattrs import attr

__all__ = [
    "EMBED_HOSTS",
    "EMBED_REFERRER",
    "EMBED_SANDBOX",
    "sanitise_html",
    "safe_url",
    "absolute_url",
    "embed_url",
    "strip_tracking",
]

# Input hosts whose iframes are accepted (and rewritten when needed).
YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"player.vimeo.com", "vimeo.com", "www.vimeo.com"}
ACCEPTED_IFRAME_HOSTS = YOUTUBE_HOSTS | VIMEO_HOSTS | set(EMBED_HOSTS)

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


def _iframes_outside_allowlist_to_links(clean: str) -> str:
    """An iframe from a host not in the allowlist becomes a plain link to what it showed."""
    if "<iframe" not in clean:
        return clean
    soup = BeautifulSoup(clean, "html.parser")
    for frame in soup.find_all("iframe"):
        src = attr(frame, "src").strip()
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
        if attr(box, "type").strip().lower() != "checkbox":
            box.decompose()
            continue
        box.attrs = {"type": "checkbox", "disabled": "", **({"checked": ""} if box.has_attr("checked") else {})}
    return str(soup)


def sanitise_html(body: str) -> str:
    """The body with only allowlisted tags, attributes and URLs left."""
    return _only_checkboxes(_iframes_outside_allowlist_to_links(clean(body)))
