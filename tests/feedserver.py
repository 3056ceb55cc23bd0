"""A real HTTP server on 127.0.0.1 for fetch tests, with the faults a feed host can have.

Each path has a list of behaviours, served in turn (the last one repeats). A behaviour
is a function ``(handler) -> None`` writing the answer on the socket itself, so it can
also answer badly: never, one byte at a time, or half a body. Requests are recorded
(``server.requests[path]``: their headers; ``server.arrivals[path]``: when each came, by
``time.monotonic``) so tests can check what was sent, and what ran alongside what.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import defaultdict
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Behaviour = Callable[[BaseHTTPRequestHandler], None]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Behaviour]] = {}
        self.requests: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?")[0]
                server.arrivals[path].append(time.monotonic())
                server.requests[path].append({k.lower(): v for k, v in self.headers.items()})
                behaviours = server.routes.get(path)
                if not behaviours:
                    return respond(404, b"not here")(self)
                count = len(server.requests[path])
                behaviours[min(count, len(behaviours)) - 1](self)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients hanging up on purpose
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *behaviours: Behaviour) -> str:
        self.routes[path] = list(behaviours)
        return self.url(path)


# ---------------------------------------------------------------- behaviours


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key, value)
    if "Content-Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def respond(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None, delay: float = 0) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        if delay:
            time.sleep(delay)
        _send(handler, status, body, {"Content-Type": "application/rss+xml", **(headers or {})})

    return behaviour


def conditional(body: bytes, etag: str | None = None, last_modified: str | None = None, **kw) -> Behaviour:
    """200 with validators, or 304 when the request carries a matching one."""
    headers = {"Content-Type": "application/rss+xml"}
    if etag:
        headers["ETag"] = etag
    if last_modified:
        headers["Last-Modified"] = last_modified

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        if (etag and handler.headers.get("If-None-Match") == etag) or (
            last_modified and handler.headers.get("If-Modified-Since") == last_modified
        ):
            return _send(handler, 304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
        _send(handler, 200, body, headers)

    return behaviour


def gzipped(body: bytes) -> Behaviour:
    return respond(200, gzip.compress(body), {"Content-Encoding": "gzip"})


def redirect(status: int, location: str) -> Behaviour:
    return respond(status, b"", {"Location": location})


def never_answer(server: FeedServer, limit: float = 30) -> Behaviour:
    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        server.stopping.wait(limit)
        handler.close_connection = True

    return behaviour


def trickle(server: FeedServer, body: bytes, interval: float = 0.1) -> Behaviour:
    """Headers at once, then one byte per ``interval``: never silent long enough for a read timeout."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.close_connection = True
        try:
            for byte in body:
                if server.stopping.wait(interval):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
        except OSError:
            pass

    return behaviour


def truncated(body: bytes) -> Behaviour:
    """Promise the whole body, send half, close the connection."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True

    return behaviour


def gzip_bomb(decompressed_size: int) -> Behaviour:
    """A small gzip body that inflates to ``decompressed_size`` zero bytes."""
    payload = gzip.compress(b"\0" * decompressed_size, compresslevel=9)
    return respond(200, payload, {"Content-Encoding": "gzip"})


def http_date(seconds_from_now: float = 0) -> str:
    return formatdate(time.time() + seconds_from_now, usegmt=True)


def unsized(body: bytes, headers: dict[str, str] | None = None) -> Behaviour:
    """No Content-Length: the body runs until the connection closes (so only a streaming cap stops it)."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Connection", "close")
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.close_connection = True
        try:
            for start in range(0, len(body), 65536):
                handler.wfile.write(body[start : start + 65536])
        except OSError:
            pass

    return behaviour
