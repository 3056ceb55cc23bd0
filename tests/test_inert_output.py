"""Whatever a feed holds, the published site is inert (issue 13's property test).

Random HTML trees (hostile tags, event handlers, disguised URLs, Markdown syntax in
text) and random metadata strings (title, link, guid, author and its URL, image through
media:content, media:thumbnail and enclosures, comments, feed title, feed link, tags,
summary) go into RSS and JSON feeds, through parse, normalise and the
article files, then a whole build. Every file of ``public/`` is then read as a browser
would: no ``<script>`` but the theme's own (same origin, or inline JSON-LD), no event
handler, no ``<object>``, ``<embed>``, ``<base>``, no ``<meta http-equiv>`` but the
theme's Content-Security-Policy, and no URL attribute that is not http(s), relative or
a fragment (article links may also be ``mailto:``, which the allowlist keeps). The
HTML inside the site's RSS, Atom and JSON feeds is checked the same way.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import install_theme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.fetching.harvest import process_feed
from generator.fetching.state import save_state, state_path
from generator.models import FeedSource, FeedState, FetchResult
from generator.pipeline import BuildOptions, build_site

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
BASE_URL = "https://planet.example/blog/"

# ---------------------------------------------------------------- what feeds may hold

HOSTILE_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "jav&#x09;ascript:alert(1)", "&#106;avascript:alert(1)", "javascript&colon;alert(1)",
    "data:text/html,<script>alert(1)</script>", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>", "vbscript:msgbox(1)", "\\\\evil.example/x", "//evil.example/x.js",
    '"><script>alert(1)</script>', "'><img src=x onerror=alert(1)>", "https://ok.example/a b?c=<d>#e",
    "https://ok.example/x)](javascript:alert(1))", "/relative/path", "#fragment", "mailto:x@example.org",
    "0;url=javascript:alert(1)", "https://ok.example/", "",
]
HOSTILE_TEXT = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "](javascript:alert(1))",
    "[x](javascript:alert(1))", "![x](javascript:alert(1))", "[x]: javascript:alert(1)", "<javascript:alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "<base href=//evil.example/>", '<meta http-equiv="refresh" content="0">',
    "{: onclick=alert(1) }", "`code`", "*", "_", "\n\n", "<!--", "-->", "]]>", "</textarea>", "<iframe src=javascript:alert(1)>",
    "<a href='javascript:alert(1)'>x</a>", "<object data=x.swf>", "<embed src=x.swf>", "\"'", "&", "word",
    "<div markdown=\"1\">", "</div>", "<style>*{}</style>", "<form action=javascript:alert(1)><button>x</button></form>",
]
TAGS = [
    "p", "a", "img", "script", "iframe", "object", "embed", "base", "meta", "svg", "math", "style", "div", "span",
    "pre", "code", "table", "tr", "td", "form", "input", "button", "video", "audio", "source", "link", "template",
    "noscript", "textarea", "title", "h2", "ul", "li", "blockquote", "details", "summary", "select", "frame",
    "applet", "figure", "figcaption", "picture", "sup",
]
ATTRIBUTES = [
    "href", "src", "srcset", "poster", "action", "formaction", "data", "onclick", "onerror", "onload", "style",
    "http-equiv", "content", "xlink:href", "background", "cite", "class", "id", "srcdoc", "name", "width",
]

texts = st.lists(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=12), max_size=4).map("".join)
urls = st.sampled_from(HOSTILE_URLS) | st.text(max_size=20)
attributes = st.lists(st.tuples(st.sampled_from(ATTRIBUTES), urls | texts), max_size=3)


def _attribute_html(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {name}="{value.replace(chr(34), "&quot;")}"' for name, value in pairs)


html_trees = st.recursive(
    texts,
    lambda children: st.builds(
        lambda tag, attrs, kids: f"<{tag}{_attribute_html(attrs)}>{''.join(kids)}</{tag}>",
        st.sampled_from(TAGS), attributes, st.lists(children, max_size=3),
    ),
    max_leaves=12,
)


@st.composite
def items(draw) -> dict:
    return {
        "title": draw(texts), "link": draw(urls), "guid": draw(urls | texts), "author": draw(texts),
        "image": draw(urls), "summary": draw(texts), "tags": draw(st.lists(texts, max_size=2)),
        "body": draw(html_trees), "markdown": draw(st.booleans()),
    }


@st.composite
def feeds(draw) -> dict:
    return {
        "format": draw(st.sampled_from(["rss", "json"])), "title": draw(texts), "link": draw(urls),
        "items": draw(st.lists(items(), min_size=1, max_size=3)),
    }


# ---------------------------------------------------------------- feeds as a server would send them

_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return escape(_NOT_XML.sub("", text))


def rss_feed(feed: dict) -> bytes:
    entries = []
    for n, item in enumerate(feed["items"]):
        tags = "".join(f"<category>{_x(t)}</category>" for t in item["tags"])
        body = f"<content:encoded>{_x(item['body'])}</content:encoded>" if not item["markdown"] else f"<description>{_x(item['body'])}</description>"
        entries.append(
            f"<item><title>{_x(item['title'])}</title><link>{_x(item['link'])}</link>"
            f"<guid>{_x(item['guid']) or n}</guid><dc:creator>{_x(item['author'])}</dc:creator>{tags}"
            f"<pubDate>Mon, 0{n + 1} Jun 2026 10:00:00 GMT</pubDate><description>{_x(item['summary'])}</description>{body}"
            f'<media:content url="{_x(item["image"])}" medium="image"/><media:thumbnail url="{_x(item["link"])}"/>'
            f"<comments>{_x(item['link'])}</comments><source url=\"{_x(item['link'])}\">{_x(item['title'])}</source>"
            f'<enclosure url="{_x(item["image"])}" type="image/png" length="1"/>'
            f'<enclosure url="{_x(item["link"])}" type="audio/mpeg" length="1"/></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>{_x(feed['title'])}</title><link>{_x(feed['link'])}</link>{''.join(entries)}</channel></rss>"
    ).encode("utf-8", "surrogatepass")


def json_feed(feed: dict) -> bytes:
    entries = []
    for n, item in enumerate(feed["items"]):
        entry = {
            "id": item["guid"] or str(n), "url": item["link"], "title": item["title"], "summary": item["summary"],
            "image": item["image"], "banner_image": item["image"], "tags": item["tags"],
            "authors": [{"name": item["author"], "url": item["link"], "avatar": item["image"]}],
            "date_published": f"2026-06-0{n + 1}T10:00:00Z", "external_url": item["link"],
        }
        entry["content_text" if item["markdown"] else "content_html"] = item["body"]
        entries.append(entry)
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": feed["title"], "home_page_url": feed["link"],
           "feed_url": feed["link"], "icon": feed["link"], "items": entries}
    return json.dumps(doc).encode("utf-8", "surrogatepass")


def build_from_feeds(root: Path, generated: list[dict]) -> Path:
    """Each generated feed through parse, normalise and the article files, then one build."""
    (root / "site.toml").write_text(f'title = "Inert"\nbase_url = "{BASE_URL}"\n')
    (root / "feeds").mkdir(parents=True)
    tables, states = [], {}
    for n, feed in enumerate(generated):
        source = FeedSource(name=f"feed{n}", url=f"https://feeds.example/{n}.xml")
        tables.append(f'[[feed]]\nname = "{source.name}"\nurl = "{source.url}"\n')
        body = rss_feed(feed) if feed["format"] == "rss" else json_feed(feed)
        kind = "application/rss+xml" if feed["format"] == "rss" else "application/feed+json"
        result = FetchResult(source, "ok", source.url, body=body, headers={"content-type": kind}, http_status=200)
        processed = process_feed(result, {}, NOW, root / "content")
        states[source.name] = FeedState(title=processed.title, link=processed.link, last_success="2026-06-01T00:00:00Z")
    (root / "feeds" / "feeds.toml").write_text("\n".join(tables))
    save_state(state_path(root / "feeds"), states)
    install_theme(root)
    build_site(load_site_config(root), BuildOptions(now=NOW, drafts=True))
    return root / "public"


# ---------------------------------------------------------------- reading the output as a browser would

URL_ATTRIBUTES = {"href", "src", "poster", "cite", "action", "formaction", "data", "background", "xlink:href", "srcdoc", "longdesc", "ping"}
FORBIDDEN_TAGS = {"object", "embed", "base", "applet", "frame", "frameset", "svg", "math"}


def _url_ok(value: str, allow_mailto: bool) -> bool:
    text = re.sub(r"[\x00-\x20\x7f]", "", value)
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*):", text)
    if scheme is None:
        return not text.startswith("\\")  # relative, a fragment, or protocol-relative
    return scheme.group(1).lower() in ({"http", "https", "mailto"} if allow_mailto else {"http", "https"})


class _Inspector(HTMLParser):
    """Collects every reason an HTML document is not inert."""

    def __init__(self, page: bool):
        super().__init__(convert_charrefs=True)
        self.page = page  # a whole page of the theme, not an article body inside a feed
        self.problems: list[str] = []
        self.in_script: str | None = None
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "head":
            self.in_head = True
        if tag in FORBIDDEN_TAGS or (tag == "form" and not self.page):  # the theme's search form is its own
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self._script(values)
        if tag == "meta" and "http-equiv" in values and not (
            self.page and self.in_head and values["http-equiv"].lower() == "content-security-policy"
        ):
            self.problems.append(f"<meta http-equiv={values['http-equiv']!r}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and not _url_ok(value, allow_mailto=tag == "a"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("srcset", "imagesrcset"):
                for candidate in filter(None, (c.strip().split(" ")[0] for c in value.split(","))):
                    if not _url_ok(candidate, allow_mailto=False):
                        self.problems.append(f"<{tag} srcset={value!r}>")
            if tag == "meta" and name == "content" and values.get("property", "").startswith("og:") and values["property"] in ("og:url", "og:image"):
                if not _url_ok(value, allow_mailto=False):
                    self.problems.append(f"<meta {values['property']}={value!r}>")

    def _script(self, values: dict) -> None:
        src = values.get("src")
        if not self.page:
            self.problems.append("<script> in an article")
        elif src is not None:
            # the theme's own scripts only: site paths, never another origin
            if not re.match(r"^/[^/\\]", src) or ":" in src:
                self.problems.append(f"<script src={src!r}>")
        elif values.get("type") != "application/ld+json":
            self.problems.append("inline <script>")
        self.in_script = values.get("type", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
        if tag == "script":
            self.in_script = None

    def handle_data(self, data: str) -> None:
        if self.in_script == "application/ld+json":
            json.loads(data)  # structured data, and nothing that could end the element early
            if "<" in data:
                self.problems.append("'<' inside JSON-LD")


def problems_in_html(text: str, page: bool) -> list[str]:
    inspector = _Inspector(page)
    inspector.feed(text)
    inspector.close()
    return inspector.problems


def problems_in_site(public: Path) -> list[str]:
    found = []
    for path in sorted(public.rglob("*")):
        rel = path.relative_to(public).as_posix()
        if path.suffix == ".html":
            found += [f"{rel}: {p}" for p in problems_in_html(path.read_text("utf-8"), page=True)]
        elif path.suffix == ".xml" and rel != "sitemap.xml":
            for element in ET.parse(path).iter():
                if element.tag.endswith(("encoded", "content")) and element.text:
                    found += [f"{rel}: {p}" for p in problems_in_html(element.text, page=False)]
        elif path.name == "feed.json":
            for item in json.loads(path.read_text("utf-8"))["items"]:
                found += [f"{rel}: {p}" for p in problems_in_html(item.get("content_html", ""), page=False)]
                if not _url_ok(item.get("external_url", "https://x/"), allow_mailto=False):
                    found.append(f"{rel}: external_url {item['external_url']!r}")
    return found


# ---------------------------------------------------------------- the tests


def test_the_inspector_sees_each_kind_of_active_content():
    # the checks below can fail: each construct they look for is found
    page = (
        '<html><head><meta http-equiv="Content-Security-Policy" content="x"><script type="application/ld+json">{}</script></head>'
        '<body><script src="https://cdn.example/x.js"></script><a href="javascript:alert(1)">a</a><img src=x onerror=alert(1)>'
        '<object data="x"></object><embed src="x"><base href="/"><meta http-equiv="refresh" content="0">'
        '<a href="mailto:x@example.org">m</a><img srcset="data:text/html,x 1x"><iframe src="data:text/html,x"></iframe></body></html>'
    )
    problems = problems_in_html(page, page=True)
    assert problems == [
        "<script src='https://cdn.example/x.js'>", "<a href='javascript:alert(1)'>", "<img onerror>", "<object>",
        "<embed>", "<base>", "<meta http-equiv='refresh'>", "<img srcset='data:text/html,x 1x'>",
        "<iframe src='data:text/html,x'>",
    ]
    assert problems_in_html("<p><script>x</script></p>", page=False) == ["<script> in an article"]


def test_a_corpus_of_injection_vectors_leaves_every_page_inert(tmp_path: Path):
    generated = []
    for n, url in enumerate(HOSTILE_URLS):
        text = HOSTILE_TEXT[n % len(HOSTILE_TEXT)]
        item = {"title": text, "link": url, "guid": url or f"g{n}", "author": text, "image": url, "summary": text,
                "tags": [text], "markdown": n % 3 == 0,
                "body": f'<p>{text}</p><a href="{url}">link</a><img src="{url}" alt="{text}">{HOSTILE_TEXT[(n + 1) % len(HOSTILE_TEXT)]}'}
        generated.append({"format": "rss" if n % 2 else "json", "title": text, "link": url, "items": [item]})
    public = build_from_feeds(tmp_path, generated)
    pages = list(public.rglob("*.html"))
    assert len([p for p in pages if "/posts/" in p.as_posix()]) >= len(HOSTILE_URLS)  # every item became a page
    assert problems_in_site(public) == []


@given(st.lists(feeds(), min_size=1, max_size=2))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_any_feed_leaves_every_page_inert(generated):
    root = Path(tempfile.mkdtemp(prefix="inert-"))
    try:
        public = build_from_feeds(root, generated)
        assert problems_in_site(public) == []
    finally:
        shutil.rmtree(root, ignore_errors=True)
