"""The theme's layout at phone width, and draft marks, in a real browser (Chromium).

Built from the theme test site (tests/browser/site/) under the shipped ``site.toml``'s
title, with drafts (as ``serve`` builds). Checked at 360 px: the header's navigation
stays on one line, no date or reading time in a byline breaks across lines, and the
feed-status table becomes one card per feed (no sideways scrolling) while it stays a
table at 1280 px. A draft shows a visible "Draft" mark that axe-core finds no
violation in, in light and dark mode. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from datetime import datetime, timezone
from typing import Iterator

import pytest
from conftest import REPO, install_theme
from test_browser import SCREENSHOTS, _axe, _axe_file, _context, _serve
from theme_site import ARTICLES, AUTHORED, DRAFT, SITE_DIR

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SHIPPED_TITLE = tomllib.loads((REPO / "site.toml").read_text(encoding="utf-8"))["title"]
BYLINE_PAGES = ["/", "/page/2/", "/archive/", "/tags/python/", AUTHORED, *ARTICLES.values(), DRAFT]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    if not SITE_DIR.is_dir():
        pytest.skip("tests/browser/site is missing")
    root = tmp_path_factory.mktemp("layout") / "site"
    shutil.copytree(SITE_DIR, root, ignore=shutil.ignore_patterns("images"))
    install_theme(root)
    shutil.copytree(SITE_DIR / "images", root / "static" / "img")
    toml = root / "site.toml"
    toml.write_text(re.sub(r'(?m)^title = .*$', f'title = "{SHIPPED_TITLE}"', toml.read_text(encoding="utf-8")), encoding="utf-8")
    build_site(load_site_config(root), BuildOptions(now=datetime(2025, 6, 1, tzinfo=timezone.utc), drafts=True))
    with _serve(root / "public", _axe_file()) as url:
        yield url


@pytest.fixture(scope="module")
def phone(browser, site_url):
    context = _context(browser, site_url, viewport=PHONE)
    yield context
    context.close()


def _lines(page, selector: str) -> list[int]:
    """For each element matching ``selector``: how many lines its text takes."""
    return page.eval_on_selector_all(selector, "els => els.map(e => new Set(Array.from(e.getClientRects()).map(r => Math.round(r.top))).size)")


def test_header_navigation_stays_on_one_line_at_360px(phone, site_url):
    page = phone.new_page()
    for path in ("/", AUTHORED, "/status/"):
        page.goto(site_url + path)
        assert page.inner_text(".site-title") == SHIPPED_TITLE
        tops = page.eval_on_selector_all(".site-header nav li", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(tops) == 5 and len(set(tops)) == 1, f"{path}: nav items on several lines (tops {tops})"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(site_url + "/")
    page.screenshot(path=str(SCREENSHOTS / "header-360.png"))
    page.close()


def test_bylines_never_break_inside_a_date_or_reading_time(phone, site_url):
    page = phone.new_page()
    broken = {}
    for path in BYLINE_PAGES:
        page.goto(site_url + path)
        counts = _lines(page, ".byline time, .byline .reading-time, .updated time, .archive-list time")
        assert counts, f"{path}: no dates found"
        if any(n != 1 for n in counts):
            broken[path] = counts
    page.close()
    assert not broken, f"dates split across lines at 360 px: {broken}"


def test_status_table_is_one_card_per_feed_at_360px_and_a_table_at_1280px(browser, phone, site_url):
    page = phone.new_page()
    page.goto(site_url + "/status/")
    box = page.evaluate("(() => { const b = document.querySelector('.status-table').closest('.table-wrap'); return [b.scrollWidth, b.clientWidth]; })()")
    assert box[0] <= box[1], f"the status table scrolls sideways at 360 px: {box}"
    rows = page.locator(".status-table tbody tr")
    assert rows.count() == 4
    first = rows.nth(0)
    assert first.evaluate("r => getComputedStyle(r).display") == "block"
    cells = first.locator("td")
    labels = [cells.nth(i).evaluate("c => getComputedStyle(c, '::before').content") for i in range(cells.count())]
    assert labels[0] == '"Platform: "' and all(label.endswith(': "') for label in labels), labels
    page.screenshot(path=str(SCREENSHOTS / "status-360.png"), full_page=True)
    page.close()
    wide = _context(browser, site_url, viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    page.goto(site_url + "/status/")
    assert page.locator(".status-table tbody tr").first.evaluate("r => getComputedStyle(r).display") == "table-row"
    assert page.locator(".status-table thead").is_visible()
    wide.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_draft_is_visibly_marked_and_passes_axe(browser, site_url, scheme):
    context = _context(browser, site_url, color_scheme=scheme, viewport=PHONE)
    page = context.new_page()
    for path in (DRAFT, "/"):
        page.goto(site_url + path)
        mark = page.locator(".draft-mark").first
        assert mark.is_visible() and mark.inner_text().strip().lower() == "draft"
        violations = _axe(page)
        assert not violations, f"{path} ({scheme}): {violations}"
    assert page.locator("h2 a", has_text="A draft about drafts").count() == 1
    page.goto(site_url + AUTHORED)
    assert page.locator(".draft-mark").count() == 0
    context.close()

