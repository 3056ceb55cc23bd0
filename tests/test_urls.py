"""urls.py: feed metadata URLs kept only as absolute, percent-encoded http(s)."""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.urls import MAX_URL_LENGTH, http_url, markdown_destination, page_url

# Characters no URL made by http_url may hold: they would need escaping in some context.
UNSAFE = re.compile(r"[\x00-\x20\x7f-\U0010ffff\"'<>\\^`{|}]")


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        " \x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "mailto:someone@example.org",
        "ftp://files.example.org/x",
        "file:///etc/passwd",
        "/relative/without/base",
        "https://",
        "https:///no-host",
        "https://bad host/",
        "https://exa<mple.org/",
        "http://example.org:port/",
        "\\\\evil.example/x",
        "",
        "   ",
        "https://example.org/" + "a" * MAX_URL_LENGTH,
    ],
)
def test_what_is_not_a_web_url_is_dropped(value):
    assert http_url(value) == ""


@pytest.mark.parametrize("value", [None, 42, ["https://example.org/"], {"url": "https://example.org/"}])
def test_a_value_that_is_not_text_is_dropped(value):
    assert http_url(value) == ""


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        ("https://example.org/a/b?c=1#d", "", "https://example.org/a/b?c=1#d"),
        ("HTTPS://Example.ORG/Path", "", "https://example.org/Path"),
        ("//cdn.example.org/x.png", "", "https://cdn.example.org/x.png"),
        ("../x.png", "https://example.org/blog/post/", "https://example.org/blog/x.png"),
        ("x.png", "javascript:alert(1)", ""),
        ('https://example.org/a b"<script>', "", "https://example.org/a%20b%22%3Cscript%3E"),
        ("https://example.org/?q=<b>&r='x'", "", "https://example.org/?q=%3Cb%3E&r=%27x%27"),
        ("https://example.org/100%/%41", "", "https://example.org/100%25/%41"),
        ("https://example.org/#a#b", "", "https://example.org/#a%23b"),
        ("https://bücher.example/straße", "", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://user:secret@example.org:8080/x", "", "https://example.org:8080/x"),
        ("https://[::1]:8000/x", "", "https://[::1]:8000/x"),
        ("  https://example.org/\n", "", "https://example.org/"),
        ("https://exa\nmple.org/", "", "https://example.org/"),
    ],
)
def test_web_urls_are_resolved_and_encoded(value, base, expected):
    assert http_url(value, base) == expected


@given(st.text(max_size=80), st.sampled_from(["", "https://example.org/blog/", "http://h.example:81/a?b#c"]))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_a_safe_http_url_or_nothing(text, base):
    url = http_url(text, base)
    if url:
        assert re.match(r"^https?://[^/?#]+", url)
        assert not UNSAFE.search(url)
        assert http_url(url) == url  # idempotent: stored URLs do not change on the next fetch


@given(st.text(max_size=60))
@example("&hellip;")  # an entity name after a backslash was still decoded
@example("a?x=1&y=2&#x41;")
@settings(max_examples=300, deadline=None)
def test_a_markdown_destination_renders_to_the_same_url(text):
    url = http_url("https://example.org/" + text)
    if not url:
        return
    rendered = cmarkgfm.markdown_to_html(f"[x]({markdown_destination(url)})")
    match = re.search(r'<a href="([^"]*)">x</a>', rendered)
    assert match, rendered
    assert html.unescape(match.group(1)) == url


def test_page_url_keeps_site_paths_and_web_urls_only():
    assert page_url("/images/a b.png") == "/images/a%20b.png"
    assert page_url("img/x.png") == "img/x.png"
    assert page_url("https://example.org/x.png") == "https://example.org/x.png"
    assert page_url("javascript:alert(1)") == ""
    assert page_url("data:image/png;base64,AAAA") == ""
    assert page_url("//evil.example/x.png") == "https://evil.example/x.png"
    assert page_url("java\nscript:alert(1)") == ""
    assert page_url("") == page_url(None) == ""
