"""serve.py: the dev loop over real HTTP and a real file watcher.

Start the server on a free port, fetch pages, edit a post and see the page change and
the reload signal fire; break a post and see the error while the old page is still
served; fix it and see it recover. Plus the command itself under a real Ctrl-C.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import httpx
import pytest
from conftest import REPO, post

from generator.config import load_site_config
from generator.pipeline import BuildOptions, build_site
from generator.serve import DevServer, classify

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
SITE = {
    "site.toml": 'title = "Dev"\nbase_url = "https://example.org/blog/"\n',
    "content/posts/a.md": post("Alpha", "2024-01-01", body="First version.\n"),
    "content/posts/b.md": post("Beta", "2024-02-01", tags="[python]"),
    "content/posts/draft.md": post("Work in progress", "2024-03-01", draft="true"),
    "content/posts/later.md": post("Coming soon", "2031-01-01"),
}


def wait_for_version(client: httpx.Client, since: int, ok: bool = True, deadline_s: float = 20.0) -> dict:
    """Long-poll until the server reports a new version that succeeded (``ok``) or failed.

    An editor's save can be seen half-written; the debounce makes that rare, and
    waiting for the expected outcome keeps the test from depending on it.
    """
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        state = client.get("/__livereload", params={"since": since}).json()
        if state["version"] != since and (state["error"] is None) == ok:
            return state
        since = state["version"]
    raise AssertionError(f"no rebuild signal after {deadline_s} s")


@pytest.fixture
def server(make_site):
    root = make_site(SITE)
    dev = DevServer(root, port=0, now=lambda: NOW, poll_timeout=1.0).start()
    yield dev
    dev.stop()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def test_serves_pages_with_drafts_future_and_the_reload_script(server, client):
    home = client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert "Work in progress" in home.text and "Coming soon" in home.text
    assert re.search(r'<script src="/__livereload\.js\?v=\d+" defer></script>\n</head>', home.text)
    assert f'href="{server.url}' in home.text or 'href="/' in home.text  # links point at the dev server
    script = client.get("/__livereload.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"] and "location.reload" in script.text
    head = client.head("/robots.txt")
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    missing = client.get("/no/such/page/")
    assert missing.status_code == 404 and "__livereload.js" in missing.text


def test_a_served_draft_is_marked_and_noindex(server, client):
    draft = client.get("/posts/work-in-progress/").text
    assert '<strong class="draft-mark">Draft</strong>' in draft
    assert '<meta name="robots" content="noindex">' in draft
    published = client.get("/posts/beta/").text
    assert "draft-mark" not in published and 'name="robots"' not in published
    home = client.get("/").text
    assert home.count('class="draft-mark"') == 1  # the draft's listing entry, not the others


def test_never_touches_public(server):
    assert not (server.root / "public").exists()
    assert (server.root / ".cache/serve-public/index.html").is_file()


def test_edit_reload_break_and_recover(server, client):
    page = client.get("/posts/alpha/").text
    assert "First version." in page
    version = client.get("/__livereload", params={"since": "now"}).json()["version"]

    # an edit: the page changes and the reload signal fires
    (server.root / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", body="Second version.\n"))
    state = wait_for_version(client, version)
    assert state["error"] is None
    assert "Second version." in client.get("/posts/alpha/").text
    version = state["version"]

    # broken front matter: the error is reported, the last good page is still served
    (server.root / "content/posts/a.md").write_text("---\ntitle: [unclosed\ndate: 2024-01-01\n---\nThird version.\n")
    state = wait_for_version(client, version, ok=False)
    assert state["error"] and re.search(r"posts/a\.md:\d+: invalid YAML", state["error"])
    assert "Second version." in client.get("/posts/alpha/").text
    version = state["version"]

    # fixed: the error clears and the new text is served
    (server.root / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", body="Fourth version.\n"))
    state = wait_for_version(client, version)
    assert state["error"] is None
    assert "Fourth version." in client.get("/posts/alpha/").text


def test_template_and_config_changes_rebuild(server, client):
    version = client.get("/__livereload", params={"since": "now"}).json()["version"]
    post_html = server.root / "templates/post.html"
    post_html.write_text(post_html.read_text().replace("Older post", "Earlier post"))
    state = wait_for_version(client, version)
    assert state["error"] is None and server.last_report.rendered == 0  # no Markdown re-rendered
    assert server.last_report.published.written == 3  # the three post pages with an older neighbour
    assert "Earlier post" in client.get("/posts/beta/").text
    (server.root / "site.toml").write_text('title = "Renamed"\n')
    state = wait_for_version(client, state["version"])
    assert state["error"] is None and "Renamed" in client.get("/").text
    (server.root / "site.toml").write_text('titel = "Typo"\n')
    state = wait_for_version(client, state["version"], ok=False)
    assert "unknown key 'titel'" in state["error"] and "Renamed" in client.get("/").text


def test_classify_sorts_changes_by_kind(make_site):
    root = make_site({"site.toml": ""})
    site = load_site_config(root)
    changes = classify(site, [
        root / "content/posts/x.md", root / "content/posts/.x.md.swp", root / "templates/base.html",
        root / "static/style.css", root / "site.toml", root / "public/index.html", root / "content/posts/notes.txt",
    ])
    assert [(c.kind, c.path) for c in changes] == [
        ("config", "site.toml"), ("template", "templates/base.html"),
        ("static", "static/style.css"), ("content", "content/posts/x.md"),
    ]


def test_build_output_has_no_reload_script(make_site):
    root = make_site(SITE)
    build_site(load_site_config(root), BuildOptions(now=NOW))
    for page in (root / "public").rglob("*.html"):
        assert "livereload" not in page.read_text()


def test_serve_command_stops_cleanly_on_ctrl_c(make_site):
    root = make_site(SITE)
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "serve", "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
            url = match.group(1) if match else None
        assert url, "the server did not say where it listens"
        assert "Alpha" in httpx.get(url, timeout=10).text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.browser
def test_open_browser_follows_an_edit_and_shows_the_error_overlay(server, browser):
    """In a real browser: the page reloads itself after a save, and a broken save shows the overlay."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/posts/alpha/")
    assert "First version." in page.inner_text(".e-content")
    (server.root / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", body="Edited in the editor.\n"))
    page.get_by_text("Edited in the editor.").wait_for(timeout=20_000)  # no eval: the page's CSP forbids it
    (server.root / "content/posts/a.md").write_text("---\ntitle: [broken\ndate: 2024-01-01\n---\n")
    page.get_by_text("posts/a.md", exact=False).first.wait_for(timeout=20_000)
    assert "Edited in the editor." in page.inner_text(".e-content")  # the last good page stays
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_page_opened_or_reloaded_while_the_build_is_broken_shows_the_error(make_site, browser):
    # Long polls as long as in real use (25 s): the overlay must not wait for one to end.
    server = DevServer(make_site(SITE), port=0, now=lambda: NOW).start()
    client = httpx.Client(base_url=server.url, timeout=60)
    try:
        _broken_page_shows_the_error(server, browser, client)
    finally:
        client.close()
        server.stop()


def _broken_page_shows_the_error(server, browser, client) -> None:
    version = client.get("/__livereload", params={"since": "now"}).json()["version"]
    (server.root / "content/posts/a.md").write_text("---\ntitle: [broken\ndate: 2024-01-01\n---\n")
    wait_for_version(client, version, ok=False)
    context = browser.new_context()
    opened = context.new_page()  # opened after the build broke
    opened.goto(server.url + "/posts/beta/")
    opened.locator("#livereload-error").wait_for(timeout=10_000)  # at once, not after a 25 s poll
    assert "posts/a.md" in opened.inner_text("#livereload-error")
    opened.reload()  # and reloaded: still shown
    opened.locator("#livereload-error").wait_for(timeout=10_000)
    assert opened.is_visible("#livereload-error") and "Beta" in opened.inner_text("h1")  # over the last good page
    (server.root / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", body="Fixed.\n"))
    opened.locator("#livereload-error").wait_for(state="detached", timeout=20_000)
    context.close()


def _closed_early(url: str, request: bytes) -> None:
    """Send ``request`` and reset the connection at once, as a browser does on a reload."""
    import socket
    import struct

    parts = httpx.URL(url)
    sock = socket.create_connection((parts.host, parts.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    sock.sendall(request)
    sock.close()


def test_a_browser_closing_connections_prints_no_traceback(server, client, capfd):
    version = client.get("/__livereload", params={"since": "now"}).json()["version"]
    big = "x" * 3_000_000  # a page larger than the socket buffers: the server is still writing when the reset comes
    (server.root / "content/posts/a.md").write_text(post("Alpha", "2024-01-01", body=big + "\n"))
    version = wait_for_version(client, version)["version"]
    capfd.readouterr()
    for _ in range(3):
        _closed_early(server.url, f"GET /__livereload?since={version} HTTP/1.1\r\nHost: x\r\n\r\n".encode())  # a cancelled long poll
        _closed_early(server.url, b"GET /posts/alpha/ HTTP/1.1\r\nHost: x\r\n\r\n")  # a reload mid-download
    # a long poll of our own, begun after theirs, ends after they answered into their closed sockets
    assert client.get("/__livereload", params={"since": version}).json()["version"] == version
    time.sleep(0.3)
    assert client.get("/posts/alpha/").status_code == 200  # and the server serves on
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipeError" not in err and "ConnectionResetError" not in err, err
