"""``python build.py fetch`` end to end: a real server on 127.0.0.1, real files in a temp site."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import FEED_FIXTURES
from feedserver import (
    FeedServer,
    conditional,
    gzip_bomb,
    never_answer,
    redirect,
    respond,
    trickle,
    truncated,
)

from generator.cli import main
from generator.config import load_feed_sources, load_site_config
from generator.fetching.fetcher import FetchSettings
from generator.fetching.harvest import fetch_feeds, select_entries
from generator.models import Entry, FeedSource

GHOST = (FEED_FIXTURES / "ghost_like.xml").read_bytes()
ATOM = (FEED_FIXTURES / "atom_blog.xml").read_bytes()
HTML = (FEED_FIXTURES / "home_page.html").read_bytes()


def make_site(root: Path, feeds: dict[str, str], extra: str = "") -> Path:
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text('title = "Test"\n')
    tables = "".join(f'[[feed]]\nname = "{name}"\nurl = "{url}"\n{extra}\n' for name, url in feeds.items())
    (root / "feeds" / "feeds.toml").write_text(tables)
    return root


def fetch_cmd(root: Path, *extra: str) -> int:
    return main(["--root", str(root), "fetch", "--timeout", "1", *extra])


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.md"))}


def state(root: Path) -> dict:
    return json.loads((root / "feeds" / "state.json").read_text())["feeds"]


def test_first_run_writes_articles_and_second_run_is_all_304(tmp_path, feed_server, capsys):
    root = make_site(tmp_path, {
        "kettle": feed_server.route("/rss", conditional(GHOST, etag='"k1"')),
        "lighthouse": feed_server.route("/atom", conditional(ATOM, last_modified="Tue, 10 Feb 2026 12:00:00 GMT")),
    })
    assert fetch_cmd(root) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "kettle" in out and "lighthouse" in out and "5 new and 0 updated articles" in out
    assert "] kettle: 3 new, 0 updated, 0 unchanged" in captured.err  # plain progress lines off a terminal
    kettle = snapshot(root / "content" / "kettle")
    assert len(kettle) == 3 and len(snapshot(root / "content" / "lighthouse")) == 2
    assert any(b"title: Counting words with collections.Counter" in data for data, _ in kettle.values())
    saved = state(root)
    assert saved["kettle"]["etag"] == '"k1"' and saved["kettle"]["platform"] == "ghost"
    assert saved["lighthouse"]["last_modified"] == "Tue, 10 Feb 2026 12:00:00 GMT"
    assert saved["kettle"]["first_seen"]

    assert fetch_cmd(root) == 0
    out = capsys.readouterr().out
    assert out.count("not modified") >= 2 and "0 new and 0 updated" in out
    assert feed_server.requests["/rss"][1]["if-none-match"] == '"k1"'
    assert snapshot(root / "content" / "kettle") == kettle  # same bytes, not even rewritten


def test_changed_item_rewrites_its_file(tmp_path, feed_server):
    path = feed_server.route("/rss", respond(200, GHOST))
    root = make_site(tmp_path, {"kettle": path})
    assert fetch_cmd(root) == 0
    before = snapshot(root / "content" / "kettle")
    feed_server.route("/rss", respond(200, GHOST.replace(b"That is all it takes.", b"That is really all it takes.")))
    assert fetch_cmd(root) == 0
    after = snapshot(root / "content" / "kettle")
    assert before.keys() == after.keys()
    changed = [name for name in before if before[name][0] != after[name][0]]
    assert len(changed) == 1 and b"really all" in after[changed[0]][0]


def test_permanent_redirect_is_stored_and_used(tmp_path, feed_server):
    new = feed_server.route("/new", respond(200, GHOST))
    root = make_site(tmp_path, {"kettle": feed_server.route("/old", redirect(301, "/new"))})
    assert fetch_cmd(root) == 0
    assert state(root)["kettle"]["permanent_redirect"] == new
    assert fetch_cmd(root) == 0
    assert len(feed_server.requests["/old"]) == 1 and len(feed_server.requests["/new"]) == 2


FAULTS = {
    "404": (lambda s: respond(404, b"no"), "HTTP 404"),
    "500": (lambda s: respond(500), "HTTP 500 (after 3 attempts)"),
    "never answers": (lambda s: never_answer(s), "timeout after 1 s"),
    "trickle": (lambda s: trickle(s, GHOST, 0.05), "timeout after 1 s"),
    "truncated": (lambda s: truncated(GHOST), "body truncated: connection closed early"),
    "over cap": (lambda s: respond(200, b" " * (11 * 1024 * 1024)), "body over 10 MB"),
    "gzip bomb": (lambda s: gzip_bomb(40 * 1024 * 1024), "body over 10 MB (decompressed)"),
    "html page": (lambda s: respond(200, HTML, {"Content-Type": "text/html; charset=utf-8"}), "not a feed: got text/html"),
    "redirect loop": (lambda s: redirect(302, "/rss"), "redirect loop"),
    "429 too long": (lambda s: respond(429, headers={"Retry-After": "3600"}), "HTTP 429 (server asks to retry after 3600 s)"),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_fault_is_reported_in_words_and_stored_articles_are_untouched(tmp_path, feed_server, capsys, fault):
    behaviour, words = FAULTS[fault]
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", conditional(GHOST, etag='"k1"'))})
    assert fetch_cmd(root) == 0
    stored = snapshot(root / "content" / "kettle")
    capsys.readouterr()

    feed_server.route("/rss", behaviour(feed_server))
    assert fetch_cmd(root, "--strict") == 1
    captured = capsys.readouterr()
    assert words in captured.out and "FAILED" in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert snapshot(root / "content" / "kettle") == stored
    saved = state(root)["kettle"]
    assert saved["etag"] == '"k1"'  # the validators of the good response are kept
    assert saved["consecutive_failures"] == 1 and words in saved["last_error"]


def test_failed_parse_never_stores_validators(tmp_path, feed_server):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", conditional(HTML, etag='"html"'))})
    assert fetch_cmd(root) == 1  # every feed failed
    assert "etag" not in state(root)["kettle"]
    assert "if-none-match" not in feed_server.requests["/rss"][0]


def test_one_failing_feed_exits_0_unless_strict(tmp_path, feed_server):
    root = make_site(tmp_path, {
        "kettle": feed_server.route("/rss", respond(200, GHOST)),
        "gone": feed_server.route("/gone", respond(410)),
    })
    assert fetch_cmd(root) == 0
    assert fetch_cmd(root, "--strict") == 1
    assert state(root)["gone"]["consecutive_failures"] == 2


def test_no_network_is_said_in_one_line(tmp_path, capsys):
    with FeedServer() as closed:
        urls = {f"feed{i}": closed.url(f"/f{i}") for i in range(3)}
    root = make_site(tmp_path, urls)  # nothing listens there any more
    assert fetch_cmd(root) == 1
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if line.strip()]
    assert lines == ["offline: none of the 3 feeds could be reached (cannot connect: connection refused); content/ and feeds/state.json are left as they are"]
    assert not (root / "content").exists()
    assert not (root / "feeds/state.json").exists()  # no failure recorded against feeds that were never reached
    (root / "feeds/state.json").write_text('{"version": 1, "feeds": {"feed0": {"etag": "\\"v1\\""}}}')
    before = (root / "feeds/state.json").read_bytes()
    assert fetch_cmd(root) == 1
    assert (root / "feeds/state.json").read_bytes() == before


def test_only_fetches_the_named_feed(tmp_path, feed_server):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST)),
                                "lighthouse": feed_server.route("/atom", respond(200, ATOM))})
    assert fetch_cmd(root, "--only", "lighthouse") == 0
    assert "/rss" not in feed_server.requests and (root / "content" / "lighthouse").is_dir()


def test_only_with_an_unknown_name_is_a_usage_error(tmp_path, feed_server, capsys):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST))})
    assert fetch_cmd(root, "--only", "kettel") == 2
    assert "no feed named 'kettel'" in capsys.readouterr().err


def test_disabled_feed_is_skipped(tmp_path, feed_server):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST))}, extra="enabled = false\n")
    assert fetch_cmd(root) == 0
    assert not feed_server.requests


def test_include_exclude_and_max_items_from_the_config(tmp_path, feed_server):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST))},
                     extra='include = ["python"]\nexclude = ["re:^why"]\ntags = ["kettle"]\n')
    assert fetch_cmd(root) == 0
    files = snapshot(root / "content" / "kettle")
    assert len(files) == 1
    (data, _), = files.values()
    assert b"Counting words" in data and b"kettle" in data.split(b"tags:")[1].split(b"\n")[0]


def test_invalid_filter_regex_is_a_config_error(tmp_path, feed_server, capsys):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST))}, extra='include = ["re:(unclosed"]\n')
    assert fetch_cmd(root) == 2
    err = capsys.readouterr().err
    assert "feeds/feeds.toml" in err and "include regex '(unclosed' is invalid" in err
    assert not feed_server.requests


def test_corrupt_state_is_kept_as_bak_and_the_run_goes_on(tmp_path, feed_server, capsys):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST, {"ETag": '"e"'}))})
    (root / "feeds" / "state.json").write_text("{not json")
    assert fetch_cmd(root) == 0
    assert "unreadable fetch state" in capsys.readouterr().err
    assert (root / "feeds" / "state.json.bak").read_text() == "{not json"
    assert state(root)["kettle"]["etag"] == '"e"'


def test_latin1_body_declared_utf8_is_stored_readably(tmp_path, feed_server):
    body = (FEED_FIXTURES / "latin1_declared_utf8.xml").read_bytes()
    root = make_site(tmp_path, {"cafe": feed_server.route("/rss", respond(200, body, {"Content-Type": "application/rss+xml; charset=utf-8"}))})
    assert fetch_cmd(root) == 0
    (data, _), = snapshot(root / "content" / "cafe").values()
    assert "title: Crème brûlée and decorators" in data.decode("utf-8")


def test_many_feeds_with_faults_finish_within_about_one_deadline(tmp_path):
    """The issue's "done when", scaled down: 30 local feeds on ten hosts, six of them faulty."""
    with contextlib.ExitStack() as stack:
        hosts = [stack.enter_context(FeedServer()) for _ in range(10)]  # one port = one host
        faulty = {
            "stuck": (never_answer(hosts[0]), "timeout after 3 s"),
            "trickle": (trickle(hosts[1], GHOST, 0.05), "timeout after 3 s"),
            "missing": (respond(404), "HTTP 404"),
            "broken": (respond(500), "HTTP 500 (after 3 attempts)"),
            "homepage": (respond(200, HTML, {"Content-Type": "text/html"}), "not a feed: got text/html"),
            "bomb": (gzip_bomb(20 * 1024 * 1024), "body over 10 MB (decompressed)"),
        }
        urls = {name: hosts[i].route(f"/{name}", behaviour) for i, (name, (behaviour, _)) in enumerate(faulty.items())}
        for i in range(24):
            host = hosts[6 + i % 4]
            urls[f"healthy{i:02}"] = host.route(f"/h{i}", respond(200, GHOST if i % 2 else ATOM, delay=0.05))
        root = make_site(tmp_path, urls)
        site = load_site_config(root)
        settings = FetchSettings(connect_timeout=1, read_timeout=1, deadline=3, backoff=0.05)
        report = fetch_feeds(site, load_feed_sources(root / "feeds"), settings)
        slow_starts = [hosts[i].arrivals[f"/{name}"][0] for i, name in enumerate(("stuck", "trickle"))]
    by_name = {f.name: f for f in report.feeds}
    assert [n for n, f in by_name.items() if f.outcome == "ok"] == [f"healthy{i:02}" for i in range(24)]
    for name, (_, words) in faulty.items():
        assert by_name[name].outcome == "failed" and by_name[name].detail.startswith(words)
    # About one deadline: the two slow feeds ran alongside each other (one after the other,
    # the second would start only when the first's 3 s deadline ended it). Shown by when
    # the servers saw them start, not by a wall-clock bound that a busy machine can fail.
    assert abs(slow_starts[0] - slow_starts[1]) < settings.deadline


def entry(title: str, tags: tuple[str, ...], day: int) -> Entry:
    return Entry(source="s", id=title, title=title, link="", content="", tags=tags,
                 published=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=day))


def test_select_entries_filters_by_tag_regex_and_keeps_the_newest():
    entries = [entry("Python tips", ("Python",), 1), entry("Rust news", ("rust",), 2),
               entry("Weekly links", ("python", "links"), 3), entry("About me", (), 4)]
    base = FeedSource(name="s", url="http://x/")
    titles = lambda src: [e.title for e in select_entries(entries, src)]  # noqa: E731
    assert titles(base) == ["About me", "Weekly links", "Rust news", "Python tips"]
    assert titles(FeedSource(name="s", url="http://x/", include=("python",))) == ["Weekly links", "Python tips"]
    assert titles(FeedSource(name="s", url="http://x/", include=("python",), exclude=("links",))) == ["Python tips"]
    assert titles(FeedSource(name="s", url="http://x/", include=("re:^(rust|about)",))) == ["About me", "Rust news"]
    assert titles(FeedSource(name="s", url="http://x/", exclude=("re:news",), max_items=2)) == ["About me", "Weekly links"]


def test_changed_feed_url_drops_the_old_validators_and_redirect(tmp_path, feed_server):
    new_target = feed_server.route("/moved", respond(200, GHOST))
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", redirect(301, "/moved"))})
    feed_server.route("/moved", conditional(GHOST, etag='"k1"'))
    assert fetch_cmd(root) == 0
    assert state(root)["kettle"]["permanent_redirect"] == new_target
    other = feed_server.route("/other", conditional(ATOM, etag='"o1"'))
    make_site(tmp_path, {"kettle": other})  # the user points the feed somewhere else
    assert fetch_cmd(root) == 0
    assert "if-none-match" not in feed_server.requests["/other"][0]  # the old ETag is not sent to the new URL
    saved = state(root)["kettle"]
    assert (saved["url"], saved["etag"]) == (other, '"o1"') and "permanent_redirect" not in saved


SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"


def test_the_three_real_sources_served_locally(tmp_path, feed_server):
    """The default config's three platforms, their real feeds served from 127.0.0.1."""
    files = {"derricktab": "000_b9ced0cdbdbf32a6.txt", "thedmitry": "002_685b812867f2dbb7.txt",
             "piccolo": "003_96f6392ab5b63f2e.txt"}
    if not all((SEEDS / name).exists() for name in files.values()):
        pytest.skip("../shared/seeds is not here")
    urls = {name: feed_server.route(f"/{name}", conditional((SEEDS / file).read_bytes(), etag=f'"{name}"'))
            for name, file in files.items()}
    root = make_site(tmp_path, urls)
    assert fetch_cmd(root) == 0
    counts = {name: len(list((root / "content" / name).glob("*.md"))) for name in files}
    assert counts == {"derricktab": 4, "thedmitry": 14, "piccolo": 59}
    assert {name: s["platform"] for name, s in state(root).items()} == {
        "derricktab": "forem", "thedmitry": "ghost", "piccolo": "gridsome"}
    before = {name: snapshot(root / "content" / name) for name in files}
    assert fetch_cmd(root) == 0  # all 304 now
    assert {name: snapshot(root / "content" / name) for name in files} == before


def test_quiet_fetch_prints_only_the_failures(tmp_path, feed_server, capsys):
    root = make_site(tmp_path, {
        "kettle": feed_server.route("/rss", respond(200, GHOST)),
        "gone": feed_server.route("/gone", respond(404, b"no")),
    })
    assert main(["--root", str(root), "-q", "fetch", "--timeout", "1"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # no table, no summary line
    assert captured.err.strip().splitlines() == ["warning: feed 'gone' failed: HTTP 404"]
    assert len(snapshot(root / "content" / "kettle")) == 3  # the work itself is done as without -q

    feed_server.route("/gone", respond(200, GHOST.replace(b"<title>", b"<title>x", 1)))
    assert main(["--root", str(root), "-q", "fetch", "--timeout", "1"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def _slugs(folder: Path) -> dict[str, str]:
    found = {}
    for path in sorted(folder.glob("*.md")):
        match = re.search(r"^slug: (.+)$", path.read_text(), re.MULTILINE)
        found[path.name] = match.group(1) if match else ""
    return found


def test_new_articles_get_a_slug_no_other_post_uses_and_keep_it(tmp_path, feed_server):
    # the same items from two feeds (a cross-posted blog), and an author's post with one of the titles
    root = make_site(tmp_path, {"kettle": feed_server.route("/a", respond(200, GHOST)), "mirror": feed_server.route("/b", respond(200, GHOST))})
    (root / "content/posts").mkdir(parents=True)
    (root / "content/posts/mine.md").write_text("---\ntitle: Counting words with collections.Counter\ndate: 2020-01-01\n---\nMine.\n")
    assert fetch_cmd(root) == 0
    kettle, mirror = _slugs(root / "content/kettle"), _slugs(root / "content/mirror")
    assert len(kettle) == 3 and all(kettle.values()) and all(mirror.values())
    every = [*kettle.values(), *mirror.values(), "counting-words-with-collections-counter"]
    assert len(set(every)) == len(every), every  # the author's post keeps its URL; no two alike
    before = {**snapshot(root / "content/kettle"), **{"m/" + k: v for k, v in snapshot(root / "content/mirror").items()}}
    assert fetch_cmd(root) == 0  # the same items again: nothing rewritten
    assert {**snapshot(root / "content/kettle"), **{"m/" + k: v for k, v in snapshot(root / "content/mirror").items()}} == before
    from conftest import install_theme

    from generator.pipeline import BuildOptions, build_site

    install_theme(root)
    build_site(load_site_config(root), BuildOptions())  # no clash left for the build to settle
    assert "Mine." in (root / "public/posts/counting-words-with-collections-counter/index.html").read_text()


def test_an_article_written_before_slugs_is_not_given_one_by_a_refetch(tmp_path, feed_server):
    root = make_site(tmp_path, {"kettle": feed_server.route("/rss", respond(200, GHOST))})
    assert fetch_cmd(root) == 0
    folder = root / "content/kettle"
    for path in folder.glob("*.md"):  # as an older version wrote them
        path.write_text(re.sub(r"^slug: .+\n", "", path.read_text(), flags=re.MULTILINE))
    before = snapshot(folder)
    assert fetch_cmd(root) == 0
    assert snapshot(folder) == before and not any(_slugs(folder).values())


def _undated_rss(items: list[str]) -> bytes:
    """An RSS feed without a single date (a real blog's shape: 34 posts, no pubDate)."""
    entries = "".join(
        f"<item><title>{t}</title><link>https://undated.example/{t.lower()}/</link><guid>https://undated.example/{t.lower()}/</guid>"
        f"<description>&lt;p&gt;About {t}, in a paragraph of its own.&lt;/p&gt;</description></item>"
        for t in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>No dates</title><link>https://undated.example/</link>{entries}</channel></rss>'.encode()


def test_a_feed_without_dates_does_not_fill_the_front_page(tmp_path, feed_server):
    from xml.dom import minidom

    from conftest import install_theme

    from generator.pipeline import BuildOptions, build_site

    undated = feed_server.route("/undated", respond(200, _undated_rss(["Newest", "Middle", "Oldest"])))
    root = make_site(tmp_path, {"lighthouse": feed_server.route("/atom", respond(200, ATOM)), "undated": undated})
    install_theme(root)
    assert fetch_cmd(root) == 0
    build_site(load_site_config(root), BuildOptions())
    public = root / "public"
    index = (public / "index.html").read_text()
    order = [index.index(f">{t}<") for t in ("Typed dictionaries in practice", "Lighthouse maintenance day", "Newest", "Middle", "Oldest")]
    assert order == sorted(order)  # every dated article first, then the undated ones in the feed's order
    page = (public / "posts/newest/index.html").read_text()
    assert "Date unknown" in page and "dt-published" not in page and "article:published_time" not in page
    atom = minidom.parse(str(public / "atom.xml"))
    updated = [e.getElementsByTagName("updated")[0].firstChild.data for e in atom.getElementsByTagName("entry")]
    assert len(set(updated)) == len(updated) == 5  # distinct times
    assert "pubDate" not in (public / "feed.xml").read_text().split("<title>Newest</title>")[1].split("</item>")[0]
    shards = "".join(p.read_text() for p in (public / "search/shards").glob("*.json"))
    assert "1970" not in shards and '"d":"Date unknown"' in shards and "1970" not in (public / "sitemap.xml").read_text()

    # A later fetch: one new undated item is news, as of when it was first seen.
    feed_server.route("/undated", respond(200, _undated_rss(["Fresh", "Newest", "Middle", "Oldest"])))
    before = snapshot(root / "content" / "undated")
    assert fetch_cmd(root) == 0
    after = snapshot(root / "content" / "undated")
    assert {k: v for k, v in after.items() if k in before} == before  # the first three unchanged, not rewritten
    build_site(load_site_config(root), BuildOptions())
    index = (public / "index.html").read_text()
    assert index.index(">Fresh<") < index.index(">Typed dictionaries in practice<")
    assert "Date unknown" not in (public / "posts/fresh/index.html").read_text()
