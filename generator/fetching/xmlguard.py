"""What the XML feed reader is given: the feed's bytes with no entity to expand.

An XML feed may declare entities in an internal DTD (``<!DOCTYPE rss [<!ENTITY ...>]>``).
Expanded, they amplify a small body into gigabytes ("billion laughs"; one 10 KB entity
referenced 40,000 times is 400 MB) or read local files and URLs (``SYSTEM`` entities).
feedparser keeps the declarations it thinks safe and expands them, in its strict and its
loose parser alike, so the DTD is removed here, before it parses anything:

- every internal subset is taken out of the prolog; a reference to an entity it declared
  becomes the literal text ``&name;``, except an entity that stands for one character
  (``<!ENTITY nbsp "&#160;">``), which becomes that character reference;
- a prolog whose declarations cannot be read with certainty is refused with a reason.

A body in UTF-16 or UTF-32 (by its byte-order mark or its first bytes) is first
re-encoded as UTF-8, so the search above reads it; a byte-order mark wins over a
charset the server names, as it does in browsers.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from generator.errors import FetchError

__all__ = ["GuardedXml", "guard_xml"]

# Byte-order marks and the first bytes of "<?" without one (XML 1.0, appendix F).
WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"),
)
XML_DECLARATION_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
ROOT_START = re.compile(rb"<[A-Za-z_]")  # the first start tag ends the prolog
DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.I)
_QUOTED = rb"(?:\"[^\"]*+\"|'[^']*+')"
_DECLARATION = rb"<!(?:--.*?--|[A-Za-z]++(?:[^>\"']++|" + _QUOTED + rb")*+)>"
DOCTYPE = re.compile(
    rb"<!DOCTYPE\s++[^\s\[>]++(?:\s++(?:PUBLIC\s++" + _QUOTED + rb"(?:\s++" + _QUOTED + rb")?+|SYSTEM\s++" + _QUOTED + rb"))?+\s*+"
    rb"(\[(?:\s|" + _DECLARATION + rb"|<\?.*?\?>|%[^;\s]++;)*+\])?+\s*+>",
    re.I | re.S,
)
ENTITY = re.compile(rb"<!ENTITY\s++(%\s++)?([^\s\"'>]++)\s++(?:(" + _QUOTED + rb")|[^>]*+)", re.S)
CHARACTER_REFERENCE = re.compile(rb"&#(?:\d{1,7}|x[0-9A-Fa-f]{1,6});")
REFERENCE = re.compile(rb"&([A-Za-z_:][\w.:-]*+);")
PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}
MAX_DOCTYPES = 4


@dataclass(frozen=True)
class GuardedXml:
    """The bytes to parse, the headers to parse them with, and what was changed."""

    body: bytes
    headers: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def _to_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """UTF-16/32 bodies as UTF-8 (declaration fixed); a BOM's encoding beats the header's charset."""
    for start, encoding in WIDE_ENCODINGS:
        if body.startswith(start):
            text = body.decode(encoding, errors="replace").lstrip("\ufeff").encode("utf-8")
            return XML_DECLARATION_ENCODING.sub(rb"\1\2utf-8\2", text, count=1), _saying_utf8(headers)
    if body.startswith(codecs.BOM_UTF8):
        return body, _saying_utf8(headers)
    return body, headers


def _saying_utf8(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the Content-Type's charset made UTF-8 (the body's, whatever the server said)."""
    media_type = re.sub(r";\s*charset\s*=[^;]*", "", headers.get("content-type", "") or "application/xml", flags=re.I)
    return {**headers, "content-type": f"{media_type}; charset=utf-8"}


def _declared(subset: bytes) -> dict[bytes, bytes | None]:
    """Entity name -> the character reference it stands for (None: anything else)."""
    names: dict[bytes, bytes | None] = {}
    for match in ENTITY.finditer(subset):
        if match.group(1):  # a parameter entity: only the DTD itself refers to those
            continue
        value = (match.group(3) or b"")[1:-1]
        names[match.group(2)] = value if CHARACTER_REFERENCE.fullmatch(value) else None
    return names


def _neutralise(body: bytes, declared: dict[bytes, bytes | None]) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        if name in PREDEFINED or name not in declared:
            return match.group(0)
        return declared[name] or b"&amp;" + name + b";"

    return REFERENCE.sub(replace, body)


def guard_xml(body: bytes, headers: dict[str, str], feed: str) -> GuardedXml:
    """``body`` with its internal DTD removed and declared entities left unexpanded;
    FetchError when the prolog declares entities in a form that cannot be checked."""
    body, headers = _to_utf8(body, headers)
    declared: dict[bytes, bytes | None] = {}
    position = 0
    for _ in range(MAX_DOCTYPES):
        root = ROOT_START.search(body, position)
        start = DOCTYPE_START.search(body, position, root.start() if root else len(body))
        if start is None:
            break
        match = DOCTYPE.match(body, start.start())
        if match is None:
            if b"<!ENTITY" in body[start.start(): root.start() if root else len(body)].upper():
                raise FetchError(feed, "the feed declares XML entities in a DOCTYPE that cannot be read; refused"
                                       " (entity expansion can blow up or read local files)")
            break
        if match.group(1) is None:  # no internal subset: nothing declared, nothing to expand
            position = match.end()
            continue
        declared.update(_declared(match.group(1)))
        body = body[: match.start()] + body[match.end():]
        position = match.start()
    else:
        raise FetchError(feed, f"more than {MAX_DOCTYPES} DOCTYPE declarations; refused")
    literal = sum(1 for value in declared.values() if value is None)
    if not declared:
        return GuardedXml(body, headers)
    warnings = [f"the feed declares {literal} XML entities; they were left unexpanded"] if literal else []
    return GuardedXml(_neutralise(body, declared), headers, warnings)
