"""A generated corpus of hostile and broken feeds, one class per function.

Each class is a :class:`HostileFeed`: the bytes a server would send, the Content-Type
it would say, and the sizes it is built at (``scale`` shrinks the big ones for the test
suite; ``bench/bench_hostile.py`` runs them at full size). Nothing here is copied from a
real feed: the markup copies the *structure* of what platforms and attackers write.

Classes: a huge single item, a paragraph of many siblings, many items, entity amplification (nested "billion laughs"
and one big entity referenced many times), external entities, XInclude, HTML nested
thousands of levels deep, a body cut off mid-item, wrong and multi-byte encodings,
titles made to attack file names, a megabyte of metadata, and a JSON Feed whose fields have the wrong types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

__all__ = ["HostileFeed", "CLASSES", "hostile_feeds", "SECRET"]

# What an external entity or XInclude would pull in: a test checks it never appears.
SECRET = "TOP-SECRET-LOCAL-FILE-CONTENT"
RSS_TYPE = "application/rss+xml"


@dataclass(frozen=True)
class HostileFeed:
    """One feed of the corpus, as served."""

    name: str  # also the feed's name in feeds/*.toml
    body: bytes
    content_type: str = RSS_TYPE
    note: str = ""  # what it attacks, for the benchmark's table


def _rss(items: str, prolog: str = "", title: str = "Hostile", extra_ns: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}'
        f'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"{extra_ns}>'
        f"<channel><title>{title}</title><link>https://hostile.example/</link>"
        f"<description>generated</description>{items}</channel></rss>"
    )


def _item(n: int, body: str, title: str | None = None, day: int | None = None) -> str:
    day = (n % 28) + 1 if day is None else day
    return (
        f"<item><title>{title if title is not None else f'Item {n}'}</title>"
        f"<link>https://hostile.example/posts/{n}</link><guid>https://hostile.example/posts/{n}</guid>"
        f"<pubDate>Mon, {day:02d} Jan 2024 {n % 24:02d}:{n % 60:02d}:00 +0000</pubDate>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
    )


def _paragraphs(size: int, seed: int = 0) -> str:
    """About ``size`` characters of varied HTML: prose with inline markup, code, lists, quotes."""
    blocks = [
        "<p>Some <strong>bold</strong> prose with <a href=\"/rel/{n}\">a link</a>, <em>emphasis</em>, "
        "<code>code_{n}()</code> and 1 * 2 _under_ [brackets] &amp; entities.</p>",
        "<pre><code class=\"language-python\">def f_{n}(x):\n    return x * {n}  # &lt;tag&gt;\n</code></pre>",
        "<ul><li>first {n}</li><li>second <b>item</b><ul><li>nested</li></ul></li></ul>",
        "<blockquote><p>Quoted {n} text.</p></blockquote>",
        "<h2>Heading {n}</h2><p><img src=\"/img/{n}.png\" alt=\"picture {n}\"></p>",
        "<table><tr><th>a</th><th>b</th></tr><tr><td>{n}</td><td>x</td></tr></table>",
    ]
    out, total, n = [], 0, seed
    while total < size:
        block = blocks[n % len(blocks)].format(n=n)
        out.append(block)
        total += len(block)
        n += 1
    return "".join(out)


# ---------------------------------------------------------------- the classes


def huge_item(scale: float = 1.0) -> HostileFeed:
    body = _paragraphs(int(5 * 1024 * 1024 * scale))
    return HostileFeed("huge-item", _rss(_item(1, body)).encode(), note="one 5 MiB item")


def one_huge_paragraph(scale: float = 1.0) -> HostileFeed:
    """One block with no boundary inside: the size cap must still cut it (at a line)."""
    words = ("word *star* _under_ <i>it</i> " * int(200_000 * scale))
    return HostileFeed("huge-paragraph", _rss(_item(1, f"<p>{words}</p>")).encode(), note="one 5 MiB paragraph")


def many_siblings(scale: float = 1.0) -> HostileFeed:
    """One paragraph of 50,000 empty links and tracking pixels: each one removed by itself
    scans all its siblings."""
    count = max(500, int(50_000 * scale))
    unit = '<a href="#">x</a> <img src="https://t.example/p.gif" width="1" height="1"> '
    return HostileFeed("many-siblings", _rss(_item(1, f"<p>{unit * count}</p>")).encode(), note=f"{count:,} siblings to clean")


def many_items(scale: float = 1.0) -> HostileFeed:
    count = max(20, int(10_000 * scale))
    items = "".join(_item(n, _paragraphs(300, n)) for n in range(count))
    return HostileFeed("many-items", _rss(items).encode(), note=f"{count:,} small items")


def billion_laughs(scale: float = 1.0) -> HostileFeed:
    levels = "".join(f'\n<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    prolog = f'<!DOCTYPE rss [\n<!ENTITY lol0 "lol">{levels}\n]>\n'
    item = _item(1, "", title="&lol9;").replace("<![CDATA[]]>", "<p>&lol9;</p>")
    return HostileFeed("billion-laughs", _rss(item, prolog).encode(), note="nested entities, 10^9 expansion")


def quadratic_blowup(scale: float = 1.0) -> HostileFeed:
    """One 10 KB entity referenced 40,000 times: 400 MB once expanded."""
    refs = max(1000, int(40_000 * scale))
    # each declaration on a line of its own: feedparser then deems it "safe" and expands it
    prolog = f'<!DOCTYPE rss [\n<!ENTITY big "{"A" * 10_000}">\n]>\n'
    item = (
        "<item><title>blow-up</title><link>https://hostile.example/big</link>"
        f"<description>{'&big;' * refs}</description></item>"
    )
    return HostileFeed("quadratic-blowup", _rss(item, prolog).encode(), note=f"10 KB entity x {refs:,}")


def external_entity(scale: float = 1.0) -> HostileFeed:
    prolog = (
        '<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
        '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">\n%remote;\n]>\n'
    )
    item = _item(1, "").replace("<![CDATA[]]>", "<p>before &xxe; after</p>").replace(
        "<title>Item 1</title>", "<title>Entity &xxe; title</title>"
    )
    return HostileFeed("external-entity", _rss(item, prolog).encode(), note="SYSTEM entities (file, http)")


def xinclude(scale: float = 1.0) -> HostileFeed:
    item = (
        "<item><title>XInclude</title><link>https://hostile.example/xi</link>"
        '<description><xi:include href="file:///etc/passwd" parse="text"/>text</description></item>'
        + _item(2, "<p>plain</p>")
    )
    return HostileFeed(
        "xinclude", _rss(item, extra_ns=' xmlns:xi="http://www.w3.org/2001/XInclude"').encode(), note="xi:include of a local file"
    )


def deep_nesting(scale: float = 1.0) -> HostileFeed:
    depth = max(600, int(10_000 * scale))
    bodies = [
        "<div>" * depth + "<p>deep <a href=\"https://hostile.example/x\">link</a></p><pre>code here</pre>" + "</div>" * depth,
        "<ul><li>" * depth + "bottom item" + "</li></ul>" * depth,
        "<blockquote>" * depth + "quoted bottom" + "</blockquote>" * depth,
        "<p>" + "<span><em>" * depth + "inline bottom <img src=\"/deep.png\" alt=\"deep\">" + "</em></span>" * depth + "</p>",
        "<table><tr><td>" * (depth // 4) + "cell bottom" + "</td></tr></table>" * (depth // 4),
    ]
    items = "".join(_item(n, body) for n, body in enumerate(bodies))
    return HostileFeed("deep-nesting", _rss(items).encode(), note=f"HTML nested {depth:,} levels")


def truncated_feed(scale: float = 1.0) -> HostileFeed:
    whole = _rss("".join(_item(n, _paragraphs(400, n)) for n in range(6))).encode()
    return HostileFeed("truncated", whole[: int(len(whole) * 0.6)], note="body cut mid-item")


def wrong_encoding(scale: float = 1.0) -> HostileFeed:
    """Says UTF-8, is Latin-1 (bytes invalid as UTF-8)."""
    text = _rss(_item(1, "<p>Caf\u00e9 cr\u00e8me, na\u00efve \u00fcber</p>", title="Caf\u00e9 \u00e0 la cr\u00e8me"))
    return HostileFeed("wrong-encoding", text.encode("latin-1"), content_type="application/rss+xml; charset=utf-8",
                       note="declared UTF-8, sent Latin-1")


def multibyte_encoding(scale: float = 1.0) -> HostileFeed:
    """UTF-16 with a BOM, characters outside the BMP, and a header charset that disagrees."""
    text = _rss(_item(1, "<p>\u65e5\u672c\u8a9e \U0001f40d \u0627\u0644\u0639\u0631\u0628\u064a\u0629</p>",
                      title="\u65e5\u672c\u8a9e \U0001f40d")).replace('encoding="utf-8"', 'encoding="utf-16"')
    return HostileFeed("multibyte", text.encode("utf-16"), content_type="text/xml; charset=iso-8859-1",
                       note="UTF-16 with BOM, header says Latin-1")


def cut_multibyte(scale: float = 1.0) -> HostileFeed:
    """A UTF-8 sequence cut in the middle, and stray continuation bytes."""
    body = _rss(_item(1, "<p>broken XX here \u00e9t\u00e9</p>", title="Broken XX bytes")).encode()
    body = body.replace(b"XX", b"\xe6\x97")  # first two bytes of a three-byte character
    return HostileFeed("cut-multibyte", body, note="invalid UTF-8 sequences")


SLUG_TITLES = (
    "../../../etc/passwd", "..", ".", "/", "\\..\\..\\windows", "CON", "nul", "aux.txt", "com1",
    "A" * 5000, "\u202eevil\u202dtxt.md", "title\x00with nul", "<script>alert(1)</script>",
    "%2e%2e%2f%2e%2e%2f", "~/.ssh/id_rsa", "\U0001f40d\U0001f40d", "", "   ", ".hidden", "name.md",
)


def slug_attacks(scale: float = 1.0) -> HostileFeed:
    items = "".join(
        _item(n, f"<p>body {n}</p>", title=title.replace("&", "&amp;").replace("<", "&lt;").replace("\x00", "&#0;"), day=1)
        for n, title in enumerate(SLUG_TITLES)
    )
    same = "".join(_item(100 + n, f"<p>same {n}</p>", title="Same title", day=1) for n in range(30))
    return HostileFeed("slug-attacks", _rss(items + same).encode(), note="titles that attack file names")


def huge_metadata(scale: float = 1.0) -> HostileFeed:
    """A megabyte of title, guid, author and link, and ten thousand tags."""
    size = max(20_000, int(1024 * 1024 * scale))
    words = ("word " * (size // 5)).strip()
    tags = "".join(f"<category>tag{n}</category>" for n in range(max(200, int(10_000 * scale))))
    item = (
        f"<item><title>{words}</title><link>https://hostile.example/{'a' * size}</link>"
        f"<guid isPermaLink=\"false\">{'g' * size}</guid><author>{words}</author>{tags}"
        "<description>&lt;p&gt;small body&lt;/p&gt;</description></item>"
    )
    return HostileFeed("huge-metadata", _rss(item).encode(), note="1 MiB title, guid, author, link; 10,000 tags")


def json_wrong_types(scale: float = 1.0) -> HostileFeed:
    items: list[object] = [
        "not an object", 42, None,
        {"id": 7, "title": ["a", "list"], "content_html": {"not": "text"}, "date_published": 12345,
         "url": {"x": 1}, "tags": "one-string", "authors": "someone", "author": ["x"]},
        {"id": {"nested": True}, "title": 3.5, "content_text": ["x"], "summary": {"a": 1},
         "date_modified": [2024], "image": 99, "tags": [1, None, {"a": "b"}, "ok"]},
        {"id": "good", "title": "A good item", "content_html": "<p>fine</p>", "date_published": "2024-01-02T00:00:00Z",
         "url": "https://hostile.example/good", "authors": [{"name": 5}, "str", {"name": "Ann"}]},
        {"id": "bad-date", "title": "Bad date", "content_html": "<p>x</p>", "date_published": "not a date",
         "url": "javascript:alert(1)"},
    ]
    data = {"version": "https://jsonfeed.org/version/1.1", "title": ["wrong"], "home_page_url": 5, "items": items}
    return HostileFeed("json-wrong-types", json.dumps(data).encode(), content_type="application/feed+json",
                       note="JSON Feed fields of the wrong types")


def not_a_feed(scale: float = 1.0) -> HostileFeed:
    page = "<!doctype html><html><head><title>Blog</title></head><body>" + "<div>" * 2000 + "home page" + "</div>" * 2000
    return HostileFeed("not-a-feed", (page + "</body></html>").encode(), content_type="text/html; charset=utf-8",
                       note="an HTML page where the feed should be")


CLASSES: tuple[Callable[[float], HostileFeed], ...] = (
    huge_item, one_huge_paragraph, many_siblings, many_items, billion_laughs, quadratic_blowup, external_entity, xinclude,
    deep_nesting, truncated_feed, wrong_encoding, multibyte_encoding, cut_multibyte, slug_attacks, huge_metadata,
    json_wrong_types, not_a_feed,
)


def hostile_feeds(scale: float = 1.0) -> list[HostileFeed]:
    """Every class, at ``scale`` of its full size (1.0 for the benchmark)."""
    return [make(scale) for make in CLASSES]
