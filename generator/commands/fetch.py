"""``python build.py fetch [--strict] [--only NAME] [--commit]``: fetch every feed, store new or changed articles.

The run itself is ``harvest.fetch_feeds``; this module reads the arguments, prints the
end-of-run table (or one line when the network is unreachable), makes the optional git
commit, and turns the outcome into an exit code: 0, or 1 when every feed failed, or
(``--strict``) when any feed failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path
from typing import TextIO

from generator.cli import site_from_args
from generator.config import load_feed_sources
from generator.errors import ConfigError
from generator.fetching.feed_work import DEFAULT_BUDGET, FeedLimits
from generator.fetching.fetcher import FetchSettings
from generator.fetching.gitcommit import commit_fetched
from generator.fetching.harvest import RunReport, fetch_feeds
from generator.models import FeedSource, SiteConfig

__all__ = ["HELP", "add_arguments", "print_failures", "print_table", "run"]

HELP = "fetch every feed and write new or changed articles to content/"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strict", action="store_true", help="exit with 1 when any feed failed")
    parser.add_argument(
        "--only", metavar="NAME", action="append", default=[], help="fetch only this feed (repeatable)"
    )
    parser.add_argument(
        "--commit", action="store_true",
        help="then commit changed articles and feeds/state.json to git, with a message saying what changed",
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=None,
        help=f"total time allowed per feed download (default {FetchSettings.deadline:g})",
    )
    parser.add_argument(
        "--budget", metavar="SECONDS", type=float, default=None,
        help=f"time allowed per feed for all of its work: download, parse, normalise, write (default {DEFAULT_BUDGET:g});"
        " a feed over it stops, keeping the articles it stored",
    )


# ---------------------------------------------------------------- the command


def _select_sources(sources: list[FeedSource], only: list[str], feeds_dir: Path) -> list[FeedSource]:
    if not only:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    unknown = [n for n in only if n not in by_name]
    if unknown:
        known = ", ".join(sorted(by_name)) or "none"
        raise ConfigError(f"--only: no feed named {unknown[0]!r} in {feeds_dir.name}/*.toml (known: {known})")
    return [by_name[n] for n in dict.fromkeys(only)]


def _settings_from_args(args: argparse.Namespace) -> FetchSettings:
    base = FetchSettings()
    if args.timeout is None:
        return base
    if args.timeout <= 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    t = args.timeout
    return dataclasses.replace(
        base, deadline=t, read_timeout=min(base.read_timeout, t), connect_timeout=min(base.connect_timeout, t),
        backoff=min(base.backoff, t / 10),
    )


def print_failures(report: RunReport, file: TextIO | None = None) -> None:
    """``-q``: warnings only, so one line per failed feed (to stderr) and nothing when all went well."""
    file = file or sys.stderr
    for feed in report.failed:
        print(f"warning: feed {feed.name!r} failed: {feed.detail}", file=file)


def _limits_from_args(args: argparse.Namespace, site: SiteConfig) -> FeedLimits:
    budget = DEFAULT_BUDGET if args.budget is None else args.budget
    if budget <= 0:
        raise ConfigError(f"--budget must be a positive number of seconds, not {budget:g}")
    return FeedLimits(budget=budget, max_article_bytes=site.max_article_kb * 1024)


def print_table(report: RunReport, file: TextIO | None = None) -> None:
    """The end-of-run table: one row per feed, failures with their reason in words."""
    from rich.console import Console, JustifyMethod
    from rich.table import Table

    file = file or sys.stdout
    console = Console(file=file, width=None if file.isatty() else 120, highlight=False)
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("feed", "left"), ("result", "left"), ("new", "right"), ("updated", "right"), ("unchanged", "right"), ("detail", "left"))
    for column, justify in columns:
        table.add_column(column, justify=justify, overflow="fold")
    for feed in report.feeds:
        result = {"ok": "ok", "not_modified": "not modified", "failed": "FAILED"}[feed.outcome]
        style = "red" if feed.outcome == "failed" else None
        detail = "" if feed.outcome == "not_modified" else feed.detail
        table.add_row(feed.name, result, str(feed.new), str(feed.updated), str(feed.unchanged), detail, style=style)
    console.print(table)
    counts = {o: sum(f.outcome == o for f in report.feeds) for o in ("ok", "not_modified", "failed")}
    new, updated = sum(f.new for f in report.feeds), sum(f.updated for f in report.feeds)
    console.print(
        f"{len(report.feeds)} feeds in {report.elapsed:.1f} s: {counts['ok']} fetched, "
        f"{counts['not_modified']} not modified, {counts['failed']} failed; "
        f"{new} new and {updated} updated articles"
    )


def _commit(site: SiteConfig, sources: list[FeedSource]) -> None:
    """Commit the feeds' articles and state that matters (see gitcommit.py), if any."""
    folders = [f"{site.content_dir}/{name}" for name in sorted({s.name for s in load_feed_sources(site.path("feeds"))} | {s.name for s in sources})]
    made = commit_fetched(site.root, folders, f"{site.feeds_dir}/state.json")
    log.info("committed %s: %s", made[0][:10], made[1]) if made else log.info("nothing that matters changed: no commit")


def run(args: argparse.Namespace) -> int:
    if args.verbose < 2:  # httpx logs every request at INFO: noise next to our own per-feed lines
        logging.getLogger("httpx").setLevel(logging.WARNING)
    site = site_from_args(args)
    feeds_dir = site.path("feeds")
    sources = _select_sources(load_feed_sources(feeds_dir), args.only, feeds_dir)
    if not sources:
        log.warning("no feeds to fetch: add [[feed]] tables to %s/*.toml (or 'python build.py feeds add URL')",
                    feeds_dir.name)
        return 0
    report = fetch_feeds(
        site, sources, _settings_from_args(args), progress=args.quiet == 0, prune_state=not args.only,
        limits=_limits_from_args(args, site),
    )
    if report.offline:
        print(
            f"offline: none of the {len(report.feeds)} feeds could be reached ({report.feeds[0].detail}); "
            f"{site.content_dir}/ and {site.feeds_dir}/state.json are left as they are",
            file=sys.stderr,
        )
        return 1
    if args.quiet == 0:
        print_table(report)
    elif args.quiet == 1:
        print_failures(report)
    if getattr(args, "commit", False):
        _commit(site, sources)
    if len(report.failed) == len(report.feeds) or (args.strict and report.failed):
        return 1
    return 0
