"""``python build.py build``: the offline build, content/ -> public/."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from generator.cli import site_from_args
from generator.pipeline import BuildOptions, build_site

HELP = "build the site from content/ into public/ (offline, deterministic)"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: public/ or site.toml's output_dir)")
    parser.add_argument("--drafts", action="store_true", help="include posts marked 'draft: true'")
    parser.add_argument("--future", action="store_true", help="include posts dated in the future")
    parser.add_argument("--base-url", default=None, help="override site.toml's base_url (e.g. a deploy preview's URL)")
    parser.add_argument("--noindex", action="store_true", help="for previews: write _headers with X-Robots-Tag: noindex and a robots.txt that disallows all")
    parser.add_argument("--clean", action="store_true", help="ignore the build cache in .cache/ and rebuild everything")


def run(args: argparse.Namespace) -> int:
    site = site_from_args(args, base_url=getattr(args, "base_url", None))
    options = BuildOptions(
        out_dir=args.out.resolve() if getattr(args, "out", None) else None,
        drafts=getattr(args, "drafts", False),
        future=getattr(args, "future", False),
        noindex=getattr(args, "noindex", False),
        clean=getattr(args, "clean", False),
        progress=not getattr(args, "quiet", 0),
    )
    report = build_site(site, options)
    log.info(report.summary())
    return 0
