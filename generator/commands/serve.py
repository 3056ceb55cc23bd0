"""``python build.py serve``: the dev server with live reload (see generator/serve.py)."""

from __future__ import annotations

import argparse
import logging

HELP = "build with drafts, serve the site locally, rebuild on every change and reload the browser"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")


def run(args: argparse.Namespace) -> int:
    from generator.serve import DevServer  # watchdog and http.server only for this command

    try:
        server = DevServer(args.root, host=args.host, port=args.port)
    except OSError as exc:
        log.error("error: serve: cannot listen on %s:%s: %s (try another --port)", args.host, args.port, exc.strerror)
        return 1
    server.start().serve_forever()
    return 0
