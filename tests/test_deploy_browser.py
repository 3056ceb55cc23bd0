"""The deployed site under netlify.toml's headers, in headless Debian Chromium.

The theme's test site (an authored post and an article from each platform) is built,
plus a feed-health page, and served by a local stand-in for Netlify that applies the
headers and redirects from netlify.toml. The Content-Security-Policy header is then
enforced by a real browser: any violation shows up as a console error.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from conftest import REPO
from netlify_server import NetlifyLikeServer
from theme_site import ARTICLES, build_theme_site

pytestmark = pytest.mark.browser

PAGES = {"index": "/", **{f"article-{k}": v for k, v in ARTICLES.items()}, "tag": "/tags/python/", "status": "/status/"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    public = build_theme_site(tmp_path_factory.mktemp("deploy"))
    (public / "csp-probe").mkdir()
    (public / "csp-probe/index.html").write_text(
        '<!doctype html><html lang="en"><title>probe</title><p style="color:red">x</p><script>console.log(1)</script></html>'
    )
    with NetlifyLikeServer(public, REPO / "netlify.toml") as running:
        yield running




def _console_errors(browser, url: str, base: str) -> tuple[list[str], dict[str, str]]:
    context = browser.new_context()
    context.route(lambda u: not u.startswith(base), lambda route: route.fulfill(status=200, content_type="text/html", body=""))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url, wait_until="load")
    page.wait_for_timeout(150)  # let deferred scripts run
    headers = response.all_headers()
    context.close()
    return errors, headers


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_csp_violation_or_console_error(browser, server, name):
    errors, headers = _console_errors(browser, server.url + PAGES[name], server.url)
    assert "content-security-policy" in headers and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert errors == [], f"{name}: {errors}"


def test_the_check_catches_a_violation(browser, server):
    errors, _ = _console_errors(browser, server.url + "/csp-probe/", server.url)
    assert any("Content Security Policy" in e for e in errors)


def test_redirects_and_404(server):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for old in ("/rss", "/rss.xml", "/feed"):
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(server.url + old)
        assert info.value.code == 301 and info.value.headers["Location"] == "/feed.xml"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(server.url + "/no/such/page/")
    assert info.value.code == 404 and b"Page not found" in info.value.read()
    with urllib.request.urlopen(server.url + "/feed.json") as response:
        assert json.loads(response.read())["version"].startswith("https://jsonfeed.org/")
