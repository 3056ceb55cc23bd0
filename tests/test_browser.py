"""The theme in a real browser: headless Debian Chromium through Playwright.

The test site (tests/browser/site/, see theme_site.py) is built once and served from a
threaded http.server on 127.0.0.1. Every request to any other host is answered with an
empty page by the browser context, so embeds never reach the network.

Checked: axe-core finds no violations on the index, an article of each platform, a tag
page, the archive, search and 404, in light and dark mode; no console errors (the
pages' own Content-Security-Policy meta tag is enforced, so an inline script or style
would show up here); the copy button copies the exact code; search finds an article by
a word of its body, and on a site of 260 posts (two index shards) lists results in the
site's order, or says so when a shard is missing; nothing scrolls sideways at 360 px;
pages work with JavaScript off.
Screenshots of the index and an article at 360 and 1280 px go to
test-artifacts/screenshots/, and the axe results to test-artifacts/axe-results.json.

axe-core is installed from the npm registry at a pinned version into .cache/npm/
(gitignored; .ci/run pre-installs it), never copied into the project.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import re
import shutil
import subprocess
import threading
from datetime import datetime, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from conftest import REPO, install_theme, post, write_files
from theme_site import ARTICLES, AUTHORED, SITE_DIR, build_theme_site

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.site.search import POSTS_PER_SHARD

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_PREFIX = REPO / ".cache" / "npm"
AXE_FILE = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__axe__/axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SEARCH_WORD = "quokka"  # appears only in the body of the Ghost article
AUDITED = {
    "index": "/",
    **{f"article-{name}": url for name, url in ARTICLES.items()},
    "tag": "/tags/python/",
    "archive": "/archive/",
    "search": f"/search/?q={SEARCH_WORD}",
    "404": "/404.html",
    "status": "/status/",
}


# ---------------------------------------------------------------- fixtures


def _axe_file() -> Path:
    """axe.min.js at the pinned version, installed from the npm registry when absent."""
    package = AXE_FILE.parent / "package.json"
    if package.is_file() and json.loads(package.read_text()).get("version") == AXE_VERSION:
        return AXE_FILE
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so axe-core cannot be installed (.ci/run installs it)")
    cmd = [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_PREFIX), f"axe-core@{AXE_VERSION}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    if done.returncode != 0 or not AXE_FILE.is_file():
        pytest.fail(f"npm install axe-core@{AXE_VERSION} failed: {done.stderr.strip()[-500:]}")
    return AXE_FILE


class _Handler(SimpleHTTPRequestHandler):
    axe: Path | None = None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's API)
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's API)
        if self.path == AXE_URL and self.axe:
            data = self.axe.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()


@contextlib.contextmanager
def _serve(public: Path, axe: Path | None = None) -> Iterator[str]:
    """``public`` over HTTP on 127.0.0.1 (a thread), as the site's URL."""
    handler = type("Handler", (_Handler,), {"axe": axe})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(public)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    if not SITE_DIR.is_dir():
        pytest.skip("tests/browser/site is missing")
    public = build_theme_site(tmp_path_factory.mktemp("browser"))
    with _serve(public, _axe_file()) as url:
        yield url


BIG_POSTS = POSTS_PER_SHARD + 10  # two index shards


@pytest.fixture(scope="module")
def big_public(tmp_path_factory) -> Path:
    """A site of ``BIG_POSTS`` short posts, many on the same day, built once."""
    root = tmp_path_factory.mktemp("big-search")
    files = {"site.toml": 'title = "Many"\nbase_url = "https://example.org/"\n'}
    for i in range(BIG_POSTS):
        files[f"content/posts/p{i:03d}.md"] = post(f"Entry {i}", f"2024-{1 + i % 12:02d}-{1 + i % 3:02d}", body=f"Common text of entry {i}.\n")
    write_files(root, files)
    install_theme(root)
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 6, 1, tzinfo=timezone.utc)))
    return root / "public"




def _context(browser, site_url: str, **options):
    context = browser.new_context(**options)
    # The network outside 127.0.0.1 is closed: answer embeds with an empty page.
    context.route(lambda url: not url.startswith(site_url), lambda route: route.fulfill(status=200, content_type="text/html", body=""))
    return context


@pytest.fixture(scope="module")
def contexts(browser, site_url):
    """One light and one dark context at 1280 px, reused by the tests."""
    made = {scheme: _context(browser, site_url, color_scheme=scheme, viewport={"width": 1280, "height": 900}) for scheme in ("light", "dark")}
    yield made
    for context in made.values():
        context.close()


def _open(context, url: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.goto(url, wait_until="load")
    return page, errors


def _axe(page) -> list[dict]:
    page.add_script_tag(url=AXE_URL)  # same origin, so the pages' CSP lets it run
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary)}));
        }"""
    )


# ---------------------------------------------------------------- accessibility and errors

_AXE_RESULTS: dict[str, dict[str, int]] = {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_and_console_is_clean(contexts, site_url, scheme):
    problems, counts = [], {}
    for name, path in AUDITED.items():
        page, errors = _open(contexts[scheme], site_url + path)
        if name == "search":
            page.wait_for_selector("#search-results li")
        violations = _axe(page)
        page.close()
        counts[name] = len(violations)
        problems += [f"{name} ({scheme}): {v['id']} [{v['impact']}] {v['help']}: {v['nodes'][:3]}" for v in violations]
        problems += [f"{name} ({scheme}): {e}" for e in errors]
    _AXE_RESULTS[scheme] = counts
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(json.dumps({"axe-core": AXE_VERSION, **_AXE_RESULTS}, indent=2, sort_keys=True))
    print(f"\naxe-core {AXE_VERSION}, {scheme} mode, violations per page: {counts}")
    assert not problems, "\n".join(problems)


def test_axe_reports_a_violation_it_is_shown(contexts, site_url):
    """The audit above can fail: the same set-up reports an image that lost its alt text."""
    page, _ = _open(contexts["light"], site_url + AUTHORED)
    page.evaluate("document.querySelector('.e-content figure img').removeAttribute('alt')")
    assert "image-alt" in {v["id"] for v in _axe(page)}
    page.close()


# ---------------------------------------------------------------- behaviour


def test_copy_button_copies_the_exact_code(browser, site_url):
    source = (SITE_DIR / "content/posts/2025-03-01-a-field-guide-to-readable-pipelines.md").read_text(encoding="utf-8")
    expected = source.split("```python\n", 1)[1].split("```\n", 1)[0]
    assert "\t" in expected
    context = _context(browser, site_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    page, errors = _open(context, site_url + AUTHORED)
    button = page.locator(".code-block[data-lang='Python'] button.copy-code")
    assert button.get_attribute("aria-label") == "Copy Python code"
    button.click()
    page.wait_for_selector(".code-block[data-lang='Python'] button.copy-code:text-is('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert not errors
    context.close()


def test_search_finds_an_article_by_a_word_of_its_body(contexts, site_url):
    page, errors = _open(contexts["light"], site_url + "/search/")
    page.fill("#search-input", SEARCH_WORD)
    page.press("#search-input", "Enter")
    page.wait_for_selector("#search-results li")
    results = page.locator("#search-results li")
    assert results.count() == 1
    assert results.locator("h2 a").inner_text() == "Notes on caching layers"
    assert results.locator("h2 a").get_attribute("href") == ARTICLES["ghost"]
    assert "Ghost Notes (Ghost)" in results.locator(".byline").inner_text()
    assert results.locator("mark").inner_text().lower() == SEARCH_WORD
    assert "1 article matches" in page.inner_text("#search-status")
    assert page.evaluate("location.search") == f"?q={SEARCH_WORD}"
    page.fill("#search-input", "zzzznotaword")
    page.wait_for_selector("#search-status:has-text('No articles match')")
    assert page.locator("#search-results li").count() == 0
    assert not errors
    page.close()


def test_search_merges_every_shard_in_the_sites_order(browser, big_public):
    archive = re.findall(r'<a href="(/posts/[^"]+)">', (big_public / "archive/index.html").read_text(encoding="utf-8"))
    with _serve(big_public) as url:
        context = _context(browser, url)
        shards: list[str] = []
        context.on("request", lambda r: shards.append(r.url) if "/search/shards/" in r.url else None)
        page, errors = _open(context, url + "/search/?q=common")
        page.wait_for_selector("#search-results li")
        assert len(set(shards)) == len(json.loads((big_public / "search-index.json").read_text())["shards"]) == 2
        assert f"{BIG_POSTS} articles match" in page.inner_text("#search-status")
        hrefs = page.eval_on_selector_all("#search-results h2 a", "links => links.map(a => a.getAttribute('href'))")
        assert hrefs == archive[:50]  # equal scores: newest first, as the archive lists them
        page.fill("#search-input", f"entry {BIG_POSTS - 1}")
        page.wait_for_selector("#search-status:has-text('1 article matches')")
        assert not errors
        context.close()


def test_search_says_so_when_a_shard_is_missing(browser, big_public, tmp_path):
    broken = tmp_path / "public"
    shutil.copytree(big_public, broken)
    next((broken / "search/shards").iterdir()).unlink()
    with _serve(broken) as url:
        context = _context(browser, url)
        page, _ = _open(context, url + "/search/?q=common")
        page.wait_for_selector("#search-status:has-text('could not be loaded')")
        assert page.locator("#search-results li").count() == 0
        context.close()


def test_pages_work_with_javascript_off(browser, site_url):
    context = _context(browser, site_url, java_script_enabled=False)
    page, _ = _open(context, site_url + "/search/")
    assert page.is_visible("#search-nojs") and not page.is_visible("#search-form")
    assert page.locator("#search-nojs a", has_text="archive of all posts").get_attribute("href") == "/archive/"
    page.goto(site_url + AUTHORED)
    assert "Stages that pass values" in page.inner_text(".e-content")
    assert page.locator(".copy-code").count() == 0
    assert page.is_visible(".toc a[href='#what-to-test']")
    page.click("text=Older post")
    assert page.url.startswith(site_url + "/posts/")
    context.close()


def test_nothing_scrolls_sideways_at_360px(browser, site_url):
    context = _context(browser, site_url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    wide = {}
    for name, path in {**AUDITED, "tags": "/tags/", "sources": "/sources/", "page-2": "/page/2/"}.items():
        page.goto(site_url + path)
        width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width[0] > width[1]:
            wide[name] = width
    # The wide table scrolls inside its own box instead.
    page.goto(site_url + AUTHORED)
    assert page.evaluate("(() => { const b = document.querySelector('.table-wrap'); return b.scrollWidth > b.clientWidth; })()")
    context.close()
    assert not wide, f"pages wider than the 360 px viewport (scrollWidth, clientWidth): {wide}"


def test_embeds_keep_their_aspect_ratio_and_images_do_not_jump(contexts, site_url):
    page, _ = _open(contexts["light"], site_url + ARTICLES["gridsome"])
    box = page.locator(".e-content iframe").bounding_box()
    assert abs(box["width"] / box["height"] - 16 / 9) < 0.02
    page.goto(site_url + AUTHORED)
    img = page.locator(".e-content figure img")
    assert img.get_attribute("loading") == "lazy"
    assert img.get_attribute("width") == "640" and img.get_attribute("height") == "360"
    page.close()


def test_screenshots_of_index_and_article(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written = []
    for width in (360, 1280):
        context = _context(browser, site_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        for name, path in (("index", "/"), ("article", AUTHORED)):
            page.goto(site_url + path)
            target = SCREENSHOTS / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
        context.close()
    for target in written:
        assert target.stat().st_size > 5000, target
        print(f"screenshot: {target.relative_to(REPO)}")


# ---------------------------------------------------------------- issue 16's visible defects


def test_no_page_asks_for_anything_that_is_missing_and_the_icon_is_drawn(contexts, site_url):
    missing = []
    for name, path in AUDITED.items():
        page = contexts["light"].new_page()
        page.on("response", lambda r, name=name: missing.append(f"{name}: {r.status} {r.url}") if r.status >= 400 else None)
        page.goto(site_url + path, wait_until="load")
        icons = page.eval_on_selector_all("link[rel=icon]", "links => links.map(l => [l.href, l.type])")
        assert len(icons) == 2, name
        page.close()
    assert not missing, missing
    # Each icon is an image the browser can draw. (Read through the API and drawn from a
    # data: URL: with request routing on, Chromium does not load /favicon.ico itself.)
    page = contexts["light"].new_page()
    page.goto(site_url + "/")
    for href, kind in icons:
        answer = page.request.get(href)
        assert answer.status == 200, href
        data_url = f"data:{kind or 'image/x-icon'};base64,{base64.b64encode(answer.body()).decode()}"
        size = page.evaluate(
            "src => new Promise(done => { const i = new Image(); i.onload = () => done([i.naturalWidth, i.naturalHeight]);"
            " i.onerror = () => done(null); i.src = src; })", data_url)
        assert size and size[0] >= 16 and size[0] == size[1], (href, size)
    assert [h for h, _ in icons][0] == site_url + "/favicon.ico"  # where feed readers and crawlers look
    page.close()


def test_tags_show_a_hash_that_is_not_part_of_their_value(contexts, site_url):
    page, _ = _open(contexts["light"], site_url + ARTICLES["forem"])
    tag = page.locator("header .p-category").first
    assert tag.inner_text() == "python" and tag.text_content() == "python"  # what microformats parsers read
    drawn = page.evaluate("el => getComputedStyle(el, '::before').content", tag.element_handle())
    assert drawn.startswith('"#"'), drawn  # the reader still sees "#python"
    page.goto(site_url + "/tags/")
    assert page.locator(".tag-cloud .tag-name").first.evaluate("el => getComputedStyle(el, '::before').content").startswith('"#"')
    page.close()


def test_the_credit_line_says_each_thing_once_and_names_the_originals_host(contexts, site_url):
    page, _ = _open(contexts["light"], site_url + ARTICLES["forem"])
    header = page.inner_text("header.post-header")
    assert header.count("Forem (dev.to)") == 1 and header.count("Ada Example") == 1 and header.count("Ada on Forem") == 1
    assert "Read the original article on forem.example" in header
    page.goto(site_url + ARTICLES["generic"])
    header = page.inner_text("header.post-header")
    assert page.locator("header.post-header .platform").count() == 0 and "Blog" not in header.split("\n")[1]
    assert "Read the original article on plain.example" in header
    page.close()
