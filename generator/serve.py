"""The dev server: build, serve, watch, rebuild, and make the open browser reload.

- The site is built with drafts and future posts into ``.cache/serve-public/`` (never
  into ``public/``), with ``base_url`` pointing at the server, through the same
  incremental build as ``build``: so each change gets the cheapest correct rebuild.
- ``watchdog`` watches content/, templates/, static/, feeds/ and site.toml. Events are
  debounced (a save is often several events) and sorted by kind
  (:func:`classify`): a post re-renders that post and exactly the pages that show
  it; a template re-renders pages from cached HTML; a static file changes only its
  own output (and the pages naming it, when its fingerprint moves); site.toml
  reloads the settings and rebuilds everything from scratch.
- HTML responses get ``<script src="/__livereload.js?v=N" defer></script>`` added on
  the way out (an external file, so a strict CSP still holds; ``build`` output never
  has it). The script long-polls ``/__livereload?since=N``: a new version reloads the
  page; a failed rebuild shows its error in an overlay (also on a page opened or
  reloaded while the build is broken: the script's first poll asks for the state now),
  while the server keeps serving the last good site. The terminal gets the same error line.
- A browser closing a connection early (a reload, a closed tab, a cancelled long poll)
  is normal: it is logged at debug level, never as a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import parse_qs, urlsplit

from generator.config import load_site_config
from generator.errors import ConfigError, GeneratorError
from generator.models import SiteConfig
from generator.pipeline import BuildOptions, BuildReport, build_site
from generator.site.outdir import check_output_dir

if TYPE_CHECKING:  # watchdog is imported when the watcher starts
    from watchdog.observers.api import BaseObserver

__all__ = ["DevServer", "classify", "Change", "LIVERELOAD_JS"]

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.15  # wait this long after the last event before rebuilding
POLL_TIMEOUT_S = 25.0  # a long poll answers after this long even when nothing changed
KINDS_ORDER = ("config", "feeds", "template", "static", "content")

LIVERELOAD_JS = """\
// Added by `build.py serve` only: reload on rebuild, show rebuild errors.
(function () {
  "use strict";
  var me = document.currentScript;
  var version = Number(new URL(me.src).searchParams.get("v") || 0);
  var overlay = null;
  function showError(text) {
    if (!overlay) {
      overlay = document.createElement("pre");
      overlay.id = "livereload-error";
      var s = overlay.style;
      s.position = "fixed"; s.inset = "0"; s.margin = "0"; s.padding = "2em"; s.zIndex = "2147483647";
      s.background = "rgba(20,0,0,.92)"; s.color = "#fdd"; s.font = "14px/1.5 monospace"; s.whiteSpace = "pre-wrap"; s.overflow = "auto";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "Rebuild failed (still showing the last good build):\\n\\n" + text;
  }
  function hideError() { if (overlay) { overlay.remove(); overlay = null; } }
  // The first poll asks for the state now: a page opened or reloaded while the build is
  // broken is the last good one, and must show the error at once.
  var since = "now";
  function poll() {
    fetch("/__livereload?since=" + since, {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (state) {
        since = String(state.version);
        if (state.error) { version = state.version; showError(state.error); }
        else if (state.version !== version) { location.reload(); return; }
        else { hideError(); }
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""


# ---------------------------------------------------------------- changes by kind


@dataclass(frozen=True)
class Change:
    kind: str  # config, feeds, template, static, content
    path: str  # relative to the site's root


def classify(site: SiteConfig, paths: Iterable[str | Path]) -> list[Change]:
    """Sort changed paths by kind; paths that do not feed the build are dropped."""
    root = site.root.resolve()
    folders = {
        "content": site.path("content"),
        "template": site.path("templates"),
        "static": site.path("static"),
        "feeds": site.path("feeds"),
    }
    changes = set()
    for raw in paths:
        path = Path(raw).resolve()
        if path.name.startswith(".") or path.name.endswith(("~", ".swp", ".tmp")):
            continue  # editors' temporary files
        if path == root / "site.toml":
            changes.add(Change("config", "site.toml"))
            continue
        for kind, folder in folders.items():
            if path.is_relative_to(folder) and not any(p.startswith(".") for p in path.relative_to(folder).parts):
                if kind != "content" or path.suffix == ".md":
                    changes.add(Change(kind, path.relative_to(root).as_posix()))
                break
    return sorted(changes, key=lambda c: (KINDS_ORDER.index(c.kind), c.path))


# ---------------------------------------------------------------- state shared with the browser


@dataclass
class _State:
    """The build version the browser sees and the last error; guarded by ``cond``."""

    version: int = 0
    error: str | None = None
    cond: threading.Condition = field(default_factory=threading.Condition)

    def succeeded(self, changed: bool) -> None:
        """A good build; the browser reloads only when it changed a file or cleared an error."""
        with self.cond:
            if changed or self.error is not None:
                self.version += 1
                self.error = None
                self.cond.notify_all()

    def failed(self, message: str) -> None:
        with self.cond:
            self.version += 1
            self.error = message
            self.cond.notify_all()

    def wait(self, since: int, timeout: float) -> tuple[int, str | None]:
        with self.cond:
            self.cond.wait_for(lambda: self.version != since, timeout)
            return self.version, self.error


# ---------------------------------------------------------------- HTTP


class _Handler(SimpleHTTPRequestHandler):
    """Static files from the serve folder; HTML gets the reload script; two /__ endpoints."""

    state: _State
    poll_timeout: float

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        log.debug("http: " + format, *args)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        if url.path == "/__livereload.js":
            return self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", LIVERELOAD_JS.encode())
        if url.path == "/__livereload":
            since = parse_qs(url.query).get("since", [""])[0]
            version, error = self.state.wait(int(since) if since.isdigit() else -1, self.poll_timeout)
            body = json.dumps({"version": version, "error": error}).encode()
            return self._send(HTTPStatus.OK, "application/json", body)
        plain = super().do_HEAD if self.command == "HEAD" else super().do_GET
        target = Path(self.translate_path(url.path))
        if target.is_dir():
            if not url.path.endswith("/"):
                return plain()  # the stdlib's redirect to the slash URL
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            return self._send(HTTPStatus.OK, "text/html; charset=utf-8", self._with_script(target.read_bytes()))
        if not target.exists():
            missing = Path(self.directory) / "404.html"
            if missing.is_file():
                return self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", self._with_script(missing.read_bytes()))
        return plain()

    def _with_script(self, html: bytes) -> bytes:
        tag = f'<script src="/__livereload.js?v={self.state.version}" defer></script>'.encode()
        for marker in (b"</head>", b"</body>"):
            at = html.find(marker)
            if at != -1:
                return html[:at] + tag + b"\n" + html[at:]
        return html + tag

    def _send(self, status: HTTPStatus, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    """The stdlib's server, quiet about connections the browser closed on its side."""

    daemon_threads = True

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: tuple[str, int]) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):  # BrokenPipeError, ConnectionResetError, ConnectionAbortedError
            log.debug("http: %s closed the connection (%s)", client_address[0], type(error).__name__)
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------- the server


class DevServer:
    """Build once, then serve and rebuild on every change until :meth:`stop`.

    ``start()`` returns once the first build is done and the server listens (``port=0``
    picks a free port; see :attr:`port`). The watcher and HTTP server run in threads;
    :meth:`serve_forever` blocks (Ctrl-C stops it).
    """

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, out_dir: Path | None = None,
                 now: Callable[[], datetime] | None = None, poll_timeout: float = POLL_TIMEOUT_S):
        self.root = root.resolve()
        self.host = host
        self.out_dir = (out_dir or self.root / ".cache" / "serve-public").resolve()
        check_output_dir(self._site_or_defaults(), self.out_dir)  # before the folder is made
        self.state = _State()
        self._now = now
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        handler = type("Handler", (_Handler,), {"state": self.state, "poll_timeout": poll_timeout})
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.httpd = _Server((host, port), partial(handler, directory=str(self.out_dir)))
        self.port = self.httpd.server_address[1]
        self.site: SiteConfig | None = None
        self._observer: BaseObserver | None = None
        self._threads: list[threading.Thread] = []
        self.last_report: BuildReport | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    # ---- building

    def _site_or_defaults(self) -> SiteConfig:
        """The site's folders: site.toml's, or the defaults (a broken site.toml is reported by the first build)."""
        try:
            return load_site_config(self.root) if (self.root / "site.toml").is_file() else SiteConfig(root=self.root)
        except ConfigError:
            return SiteConfig(root=self.root)

    def _load_site(self) -> SiteConfig:
        return load_site_config(self.root, {"base_url": self.url})

    def rebuild(self, changes: list[Change] | None = None) -> bool:
        """One build; True when it succeeded. Errors go to the terminal and the browser."""
        started = time.perf_counter()
        kinds = sorted({c.kind for c in changes or []}, key=KINDS_ORDER.index)
        try:
            if self.site is None or "config" in kinds:
                self.site = self._load_site()
            options = BuildOptions(
                out_dir=self.out_dir, drafts=True, future=True,
                now=self._now() if self._now else None,
                clean="config" in kinds,  # site.toml: everything from scratch
            )
            self.last_report = build_site(self.site, options)
        except GeneratorError as exc:
            message = str(exc)
            for line in message.splitlines():
                log.error("error: %s", line)
            self.state.failed(message)
            return False
        what = ", ".join(f"{sum(c.kind == k for c in changes)} {k}" for k in kinds) if changes else "first build"
        log.info("%s: %s (%.2f s)", what, self.last_report.summary(), time.perf_counter() - started)
        published = self.last_report.published
        self.state.succeeded(bool(published and (published.written or published.removed)))
        return True

    # ---- watching

    def _watch(self) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        server = self

        class _Events(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return  # reads, e.g. by our own build: not a change
                if event.is_directory and event.event_type not in ("moved", "deleted"):
                    return
                paths = [event.src_path, getattr(event, "dest_path", "") or ""]
                server.notify([os.fsdecode(p) for p in paths if p])  # watchdog may give bytes paths

        observer = Observer()
        site = self.site or SiteConfig(root=self.root)  # site.toml may be broken at start
        for name in ("content", "templates", "static", "feeds"):
            folder = site.path(name)
            folder.mkdir(parents=True, exist_ok=True) if name == "content" else None
            if folder.is_dir():
                observer.schedule(_Events(), str(folder), recursive=True)
        observer.schedule(_Events(), str(self.root), recursive=False)  # site.toml
        observer.daemon = True
        observer.start()
        self._observer = observer

    def notify(self, paths: Iterable[str]) -> None:
        """Record changed paths (from watchdog, or a test) and wake the rebuild loop."""
        with self._pending_lock:
            self._pending.update(str(p) for p in paths)
        self._wake.set()

    def _take_changes(self) -> list[Change]:
        """Wait for events, then for a quiet spell (debounce); return them sorted by kind."""
        while not self._stopping.is_set():
            if not self._wake.wait(0.5):
                continue
            while True:  # debounce: keep collecting until no event for DEBOUNCE_S
                self._wake.clear()
                if not self._wake.wait(DEBOUNCE_S) or self._stopping.is_set():
                    break
            with self._pending_lock:
                paths, self._pending = self._pending, set()
            changes = classify(self.site or SiteConfig(root=self.root), paths)
            if changes:
                return changes
        return []

    def _rebuild_loop(self) -> None:
        while not self._stopping.is_set():
            changes = self._take_changes()
            if changes:
                self.rebuild(changes)

    # ---- life cycle

    def start(self) -> "DevServer":
        self.rebuild()
        self._watch()
        for target in (self.httpd.serve_forever, self._rebuild_loop):
            thread = threading.Thread(target=target, daemon=True, name=f"serve-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        log.info("serving %s on %s (drafts and future posts shown; Ctrl-C stops)", self.out_dir, self.url)
        return self

    def serve_forever(self) -> None:
        try:
            while not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            log.info("stopping")
        finally:
            self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        with self.state.cond:
            self.state.cond.notify_all()
