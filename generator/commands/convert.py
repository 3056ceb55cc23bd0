"""``python build.py convert [--base-url URL] [--platform P] [FILE|-]``: one HTML page
(or a Markdown body, for Gridsome-like sources) through the normaliser, the Markdown
body printed on stdout. Handy to see what an article will look like, or to import a
single page by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.fetching.sniff import detect_markdown
from generator.models import PLATFORMS
from generator.normalise import convert_body

__all__ = ["HELP", "add_arguments", "run"]

HELP = "convert one HTML page (FILE, or - for stdin) to the site's Markdown on stdout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", metavar="FILE", help="the HTML (or Markdown) file; - or nothing reads stdin")
    parser.add_argument("--base-url", default="", help="the page's own URL, to make relative links and images absolute")
    parser.add_argument("--platform", choices=PLATFORMS, default="generic", help="the platform's clean-up to apply (default: generic)")


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def run(args: argparse.Namespace) -> int:
    try:
        data = _read(args.file)
    except OSError as exc:
        print(f"error: convert: cannot read {args.file}: {exc.strerror or exc} (give an existing file, or - for stdin)", file=sys.stderr)
        return 1
    text = data.decode("utf-8-sig", errors="replace")
    kind = "markdown" if args.platform == "gridsome" or detect_markdown(text) else "html"
    sys.stdout.write(convert_body(text, kind, args.base_url, args.platform))
    return 0
