"""No XML entity is expanded: declared entities stay literal text (or are refused), a
byte-order mark's encoding wins over the server's charset."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from generator.errors import FetchError
from generator.fetching.parse import parse_feed
from generator.fetching.xmlguard import guard_xml
from generator.models import FeedSource, FetchResult

SOURCE = FeedSource("hostile", "https://h.example/feed")
NOW = datetime(2026, 1, 2, tzinfo=timezone.utc)


def _rss(prolog: str, title: str, description: str = "<p>body</p>") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}<rss version="2.0"><channel><title>T</title>'
            f"<link>https://h.example/</link><item><title>{title}</title><link>https://h.example/1</link>"
            f"<description>{description}</description></item></channel></rss>").encode()


def _parse(body: bytes, content_type: str = "application/rss+xml"):
    return parse_feed(FetchResult(SOURCE, "ok", SOURCE.url, body, {"Content-Type": content_type}), SOURCE, {}, NOW)


def test_one_big_entity_referenced_many_times_is_not_expanded():
    # each declaration on its own line: the form feedparser itself keeps and expands
    body = _rss(f'<!DOCTYPE rss [\n<!ENTITY big "{"A" * 10_000}">\n]>\n', "blow-up", "&big;" * 5000)
    parsed = _parse(body)
    entry = parsed.entries[0]
    assert "AAAAAAAAAA" not in entry.content and entry.content.count("&big;") == 5000
    assert any("left unexpanded" in w for w in parsed.warnings)


def test_billion_laughs_is_not_expanded():
    levels = "".join(f'\n<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    parsed = _parse(_rss(f'<!DOCTYPE rss [\n<!ENTITY lol0 "lol">{levels}\n]>\n', "&lol9;", "&lol9;"))
    assert parsed.entries[0].title == "&lol9;" and "lollol" not in parsed.entries[0].content


def test_external_entities_read_nothing():
    prolog = '<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n<!ENTITY % pe SYSTEM "http://127.0.0.1:9/x.dtd">\n%pe;\n]>\n'
    entry = _parse(_rss(prolog, "a &xxe; b", "<p>&xxe;</p>")).entries[0]
    assert entry.title == "a &xxe; b" and "root:" not in entry.content


def test_an_entity_standing_for_one_character_is_kept_as_that_character():
    entry = _parse(_rss('<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n<!ENTITY mdash "&#x2014;">\n]>\n', "a&mdash;b&nbsp;c")).entries[0]
    assert entry.title == "a\u2014b c"


def test_a_doctype_without_an_internal_subset_is_left_as_it_is():
    body = _rss('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n', "x")
    assert guard_xml(body, {}, "f").body == body


def test_declarations_that_cannot_be_read_are_refused_with_a_reason():
    body = _rss('<!DOCTYPE rss [<!ENTITY a "never closed >]>\n', "&a;")
    with pytest.raises(FetchError, match="declares XML entities in a DOCTYPE that cannot be read"):
        guard_xml(body, {}, "hostile")


def test_a_byte_order_mark_wins_over_the_servers_charset():
    text = _rss("", "\u65e5\u672c\u8a9e \U0001f40d").decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    parsed = _parse(text.encode("utf-16"), "text/xml; charset=iso-8859-1")
    assert parsed.entries[0].title == "\u65e5\u672c\u8a9e \U0001f40d" and not parsed.warnings


def test_utf16_without_a_byte_order_mark_is_read_too():
    text = _rss('<!DOCTYPE rss [\n<!ENTITY big "AAAA">\n]>\n', "&big; x").decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    parsed = _parse(text.encode("utf-16-le"))
    assert parsed.entries[0].title == "&big; x"
