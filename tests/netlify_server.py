"""A tiny stand-in for Netlify's CDN: serves a built ``public/`` on 127.0.0.1 with the
headers and redirects of ``netlify.toml`` (and a ``_headers`` file, if the build wrote one).

Only what the tests need: ``for`` patterns with a trailing ``*`` or a ``/*.ext`` suffix,
redirects with a status (301 to a path, 404 to a page).
"""

from __future__ import annotations

import functools
import threading
import tomllib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["NetlifyLikeServer", "headers_for"]


def _matches(pattern: str, path: str) -> bool:
    if pattern.startswith("/*."):
        return path.endswith(pattern[2:])
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def headers_for(config: dict, path: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for rule in config.get("headers", []):
        if _matches(rule["for"], path):
            merged.update(rule["values"])
    return merged


class _Handler(SimpleHTTPRequestHandler):
    config: dict = {}
    public: Path

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's API)
        pass

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        for key, value in headers_for(self.config, path).items():
            self.send_header(key, value)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's API)
        path = self.path.split("?", 1)[0]
        target = self.public / path.lstrip("/")
        exists = target.is_file() or (target.is_dir() and (target / "index.html").is_file())
        for rule in self.config.get("redirects", []):
            if rule.get("status") == 301 and rule["from"] == path:
                self.send_response(301)
                self.send_header("Location", rule["to"])
                self.end_headers()
                return
            if rule.get("status") == 404 and not exists and _matches(rule["from"], path):
                body = (self.public / rule["to"].lstrip("/")).read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().do_GET()


class NetlifyLikeServer:
    def __init__(self, public: Path, netlify_toml: Path):
        config = tomllib.loads(netlify_toml.read_text())
        handler = type("Handler", (_Handler,), {"config": config, "public": public})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(public)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "NetlifyLikeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
