"""``python build.py feeds add URL | import FILE.opml | export | list``: manage the subscriptions.

New feeds are appended to ``feeds/feeds.toml`` as ``[[feed]]`` tables (the rest of the
file, comments included, is kept as it is). ``add`` accepts a feed URL or a site's home
page, whose ``<link rel="alternate">`` names the feed, and checks that the result really
is a feed before writing anything. ``export`` writes OPML 2.0 to stdout (or ``-o FILE``);
``import`` then ``export`` round-trips. ``add`` writes the feed's title and the
platform it detected, so feeds.toml shows what the site will show. ``list`` shows each feed's last status from
``feeds/state.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from generator.cli import site_from_args
from generator.config import FEED_KEYS, FEED_NAME_RE, load_feed_sources
from generator.errors import ConfigError, FetchError, UsageError
from generator.fetching.discover import discover_feeds, looks_like_html
from generator.fetching.fetcher import Fetcher, FetchSettings
from generator.fetching.opml import OpmlError, OpmlFeed, name_for, read_opml, write_opml
from generator.fetching.state import load_state, state_path
from generator.files import atomic_write
from generator.models import FeedSource, FeedState, FetchResult

if TYPE_CHECKING:  # parsing is imported by the one action that needs it (feedparser is slow to import)
    import httpx

    from generator.fetching.parse import ParsedFeed

__all__ = ["HELP", "add_arguments", "run", "toml_feed_table", "add_feeds", "find_feed"]

HELP = "manage feeds: add URL, import FILE.opml, export, list"

log = logging.getLogger(__name__)

TARGET_FILE = "feeds.toml"  # where additions go
MAX_TITLE = 120  # characters of a feed's own title written by 'add' (a feed may send pages of it)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    for name, summary, describe in _ACTIONS:
        action = sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {describe}")
        _ACTION_ARGUMENTS[name](action)


def _add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("url", help="the feed's address (RSS, Atom or JSON Feed), or a home page whose <link rel=\"alternate\"> names one")
    add.add_argument("--name", help="feed name: the folder under content/ and /sources/<name>/ (default: from the feed's title)")
    add.add_argument("--tag", action="append", default=[], help="tag added to every article (repeatable)")
    add.add_argument("--no-check", action="store_true", help="add the URL as it is, without fetching it (no title or platform is written)")


def _import_arguments(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("file", type=Path, help="an OPML file, as feed readers export their subscriptions")


def _export_arguments(exp: argparse.ArgumentParser) -> None:
    exp.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")


_ACTIONS = (
    ("add", "subscribe to a feed, given its URL or its site's home page",
     f"The feed is fetched first; its name, title and detected platform are appended to feeds/{TARGET_FILE}."),
    ("import", "subscribe to every feed of an OPML file",
     f"Feeds already subscribed to are skipped; the others are appended to feeds/{TARGET_FILE}."),
    ("export", "write the subscriptions as OPML 2.0", "Importing the result gives the same subscriptions."),
    ("list", "show each feed with its last status", "From feeds/*.toml and feeds/state.json; nothing is fetched."),
)
_ACTION_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {"add": _add_arguments, "import": _import_arguments, "export": _export_arguments, "list": lambda _: None}


# ---------------------------------------------------------------- writing TOML


def _toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in "\b\t\n\f\r":
            out.append({"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_feed_table(source: FeedSource) -> str:
    """One ``[[feed]]`` table, keys in the schema's order, defaults left out."""
    lines = ["[[feed]]"]
    for key in FEED_KEYS.values():
        value = getattr(source, key.name)
        if key.required or value != key.default:
            lines.append(f"{key.name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: str | int | bool | tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return f"[{', '.join(_toml_string(v) for v in value)}]"
    return _toml_string(value) if isinstance(value, str) else str(value)


def add_feeds(feeds_dir: Path, new: list[FeedSource]) -> Path:
    """Append ``new`` to feeds/feeds.toml atomically, then check the whole config still loads."""
    target = feeds_dir / TARGET_FILE
    old = target.read_text(encoding="utf-8") if target.exists() else ""
    text = old if not old or old.endswith("\n") else old + "\n"
    text += "".join(("\n" if text else "") + toml_feed_table(s) for s in new)
    atomic_write(target, text.encode("utf-8"))
    try:
        load_feed_sources(feeds_dir)
    except ConfigError:
        atomic_write(target, old.encode("utf-8")) if old else target.unlink()
        raise
    return target


def _unique_name(wanted: str, taken: set[str]) -> str:
    name = wanted if FEED_NAME_RE.match(wanted) else "feed"
    candidate, n = name, 2
    while candidate in taken or candidate == "posts":
        candidate = f"{name[:60]}-{n}"
        n += 1
    return candidate


# ---------------------------------------------------------------- add


async def _get(url: str, settings: FetchSettings, transport: httpx.AsyncBaseTransport | None = None) -> FetchResult:
    async with Fetcher(settings, transport) as fetcher:
        return await fetcher.fetch(FeedSource(name="new", url=url))


def find_feed(
    url: str, settings: FetchSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[FetchResult, ParsedFeed]:
    """Fetch ``url``; if it is a page, follow its advertised feed. Returns (FetchResult, ParsedFeed)."""
    from generator.fetching.parse import parse_feed

    settings = settings or FetchSettings()
    result = asyncio.run(_get(url, settings, transport))
    if result.status == "failed":
        raise FetchError(url, result.error or "failed")
    if looks_like_html(result.body, result.headers.get("content-type", "")):
        candidates = discover_feeds(result.body, result.url)
        if not candidates:
            raise FetchError(url, "this page advertises no feed (no <link rel=\"alternate\"> with a feed type); give the feed's own URL")
        result = asyncio.run(_get(candidates[0], settings, transport))
        if result.status == "failed":
            raise FetchError(candidates[0], result.error or "failed")
    feed_url = result.permanent_redirect or result.url
    source = FeedSource(name="new", url=feed_url)
    parsed = parse_feed(result, source, {}, datetime.now(timezone.utc))
    return result, parsed


def check_feed_url(url: str) -> None:
    """A URL to subscribe to must be absolute http(s) with a host; say what to type when not."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.hostname:
        return
    hint = ""
    if not parts.scheme and "." in url.split("/", 1)[0] and " " not in url.strip():
        hint = f" (did you mean 'https://{url.strip()}'?)"
    raise UsageError(f"feeds add: {url!r} is not a web address; give a feed's or a site's URL starting with https:// or http://{hint}")


def _shown_title(title: str, name: str) -> str:
    """The feed's own title as feeds.toml keeps it: on one line, at most MAX_TITLE
    characters, and left out when it says no more than the name."""
    text = " ".join(title.split())
    if len(text) > MAX_TITLE:
        text = text[:MAX_TITLE].rsplit(" ", 1)[0] + "…"
    return "" if text.lower() == name.lower() else text


def _add(args: argparse.Namespace, feeds_dir: Path) -> int:
    check_feed_url(args.url)
    existing = load_feed_sources(feeds_dir)
    if args.name and not FEED_NAME_RE.match(args.name):
        raise ConfigError(f"--name {args.name!r} must be lowercase letters, digits, '-' or '_'")
    url, title, platform = args.url, "", None
    if not args.no_check:
        try:
            result, parsed = find_feed(args.url)
        except FetchError as exc:
            print(f"error: cannot add {args.url}: {exc.reason}", file=sys.stderr)
            return 1
        url, title, platform = result.permanent_redirect or result.url, parsed.title, parsed.platform
    for source in existing:
        if source.url == url:
            raise ConfigError(f"{source.defined_in}: {url} is already subscribed as {source.name!r}")
    taken = {s.name for s in existing}
    if args.name and args.name in taken:
        raise ConfigError(f"a feed named {args.name!r} already exists; choose another --name")
    name = args.name or _unique_name(name_for(OpmlFeed(url=url, title=title)), taken)
    source = FeedSource(name=name, url=url, title=_shown_title(title, name), tags=tuple(args.tag), platform=platform)
    target = add_feeds(feeds_dir, [source])
    detected = f", {platform}" if platform else ""
    print(f"added {name!r} ({url}{detected}) to {feeds_dir.name}/{target.name}")
    return 0


# ---------------------------------------------------------------- import / export / list


def _import(args: argparse.Namespace, feeds_dir: Path) -> int:
    try:
        feeds = read_opml(args.file.read_bytes())
    except OSError as exc:
        raise ConfigError(f"{args.file}: cannot read: {exc.strerror}") from None
    except OpmlError as exc:
        raise ConfigError(f"{args.file}: {exc}") from None
    existing = load_feed_sources(feeds_dir)
    urls = {s.url: s.name for s in existing}
    taken = {s.name for s in existing}
    new, skipped = [], 0
    for feed in feeds:
        if feed.url in urls or not feed.url.startswith(("http://", "https://")):
            skipped += 1
            continue
        name = _unique_name(feed.name or name_for(feed), taken)
        taken.add(name)
        urls[feed.url] = name
        title = feed.title if feed.title and feed.title != name else ""
        new.append(FeedSource(name=name, url=feed.url, title=title, tags=feed.tags))
    if new:
        add_feeds(feeds_dir, new)
    note = f" ({skipped} already subscribed or not http(s), skipped)" if skipped else ""
    print(f"imported {len(new)} feeds from {args.file.name} into {feeds_dir.name}/{TARGET_FILE}{note}")
    return 0


def _export(args: argparse.Namespace, feeds_dir: Path, site_title: str) -> int:
    data = write_opml(load_feed_sources(feeds_dir), title=site_title)
    if args.output:
        atomic_write(args.output, data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _status(state: FeedState | None) -> str:
    if state is None or (state.last_success is None and state.last_error is None):
        return "never fetched"
    if state.consecutive_failures:
        since = f", last success {state.last_success}" if state.last_success else ""
        return f"failing ({state.consecutive_failures}x): {state.last_error}{since}"
    return f"ok at {state.last_success}"


def _list(feeds_dir: Path) -> int:
    from rich.console import Console
    from rich.table import Table

    sources = load_feed_sources(feeds_dir)
    states = load_state(state_path(feeds_dir))
    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("name", "url", "platform", "last status"):
        table.add_column(column, overflow="fold")
    for source in sources:
        state = states.get(source.name)
        platform = source.platform or (state.platform if state else None) or "?"
        status = _status(state) if source.enabled else "disabled"
        table.add_row(source.name, source.url, platform, status)
    console.print(table)
    return 0


def run(args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    site = site_from_args(args)
    feeds_dir = site.path("feeds")
    if args.feeds_command == "add":
        return _add(args, feeds_dir)
    if args.feeds_command == "import":
        return _import(args, feeds_dir)
    if args.feeds_command == "export":
        return _export(args, feeds_dir, site.title)
    return _list(feeds_dir)
