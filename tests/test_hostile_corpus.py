"""The generated corpus of hostile and broken feeds (``bench/hostile.py``), served by a
local server, fetched with short budgets and then built: no traceback, every bad feed
named with a reason, nothing written outside ``content/``, no article over the cap,
nothing amplified or read from the local disk, and the site still builds."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import read_articles
from feedserver import FeedServer, respond

from bench.hostile import SECRET, hostile_feeds
from generator.cli import main
from generator.config import load_feed_sources, load_site_config
from generator.fetching.feed_work import FeedLimits
from generator.fetching.harvest import fetch_feeds

CAP_KB = 64
SCALE = 0.06  # the benchmark runs them at full size


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """A site whose feeds are the whole corpus, fetched once: (root, report, stderr text)."""
    root = tmp_path_factory.mktemp("hostile")
    from conftest import install_theme

    install_theme(root)
    (root / "site.toml").write_text(f'title = "Hostile"\nbase_url = "https://h.example/"\nmax_article_kb = {CAP_KB}\n')
    (root / "feeds").mkdir()
    with FeedServer() as server:
        tables = "".join(
            f'[[feed]]\nname = "{feed.name}"\nurl = "{server.route("/" + feed.name, respond(200, feed.body, {"Content-Type": feed.content_type}))}"\n\n'
            for feed in hostile_feeds(SCALE)
        )
        (root / "feeds" / "hostile.toml").write_text(tables)
        before = _snapshot(root)
        site = load_site_config(root)
        report = fetch_feeds(site, load_feed_sources(root / "feeds"), limits=FeedLimits(budget=30.0, max_article_bytes=CAP_KB * 1024))
        again = main(["--root", str(root), "-q", "fetch", "--budget", "30"])  # the command too, over what is there
    return root, report, before, again


def test_every_feed_ends_with_a_result_and_the_bad_ones_say_why(fetched):
    root, report, _, again = fetched
    by_name = {f.name: f for f in report.feeds}
    assert set(by_name) == {f.name for f in hostile_feeds(SCALE)}
    assert again == 0
    assert by_name["not-a-feed"].outcome == "failed" and "not a feed" in by_name["not-a-feed"].detail
    for name in ("billion-laughs", "quadratic-blowup", "external-entity"):
        assert "left unexpanded" in by_name[name].detail, name
    for name in ("huge-item", "huge-paragraph"):
        assert f"cut at {CAP_KB} KB" in by_name[name].detail, name
    assert "older items past max_items not read" in by_name["many-items"].detail
    assert "malformed XML" in by_name["truncated"].detail
    assert "JSON Feed items are not objects" in by_name["json-wrong-types"].detail
    for feed in report.feeds:
        assert "Traceback" not in feed.detail and "RecursionError" not in feed.detail
        assert feed.outcome != "failed" or feed.detail


def test_nothing_is_written_outside_content_and_the_state_file(fetched):
    root, _, before, _ = fetched
    after = _snapshot(root)
    changed = {path for path in after if before.get(path) != after[path]}
    assert {p for p in changed if not p.startswith("content/")} == {"feeds/state.json"}
    assert not set(before) - set(after)


def test_no_article_is_over_the_cap_and_nothing_amplified_or_read_from_disk(fetched):
    root = fetched[0]
    files = list((root / "content").rglob("*.md"))
    assert len(files) > 200
    for path in files:
        text = path.read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1)
        assert len(body.encode()) <= CAP_KB * 1024 and len(front.encode()) <= 8 * 1024, path
        assert "A" * 200 not in body and "lollollol" not in text, path
        assert SECRET not in text and "root:x:0:0" not in text, path


def test_deep_nesting_is_kept_as_text_and_encodings_are_read(fetched):
    root = fetched[0]
    deep = " ".join(p.read_text() for p in (root / "content" / "deep-nesting").glob("*.md"))
    for words in ("deep [link](https://hostile.example/x)", "code here", "bottom item", "quoted bottom", "inline bottom", "cell bottom"):
        assert words in deep
    assert "\u65e5\u672c\u8a9e \U0001f40d" in " ".join(p.read_text() for p in (root / "content" / "multibyte").glob("*.md"))
    assert "Caf\u00e9" in " ".join(p.read_text() for p in (root / "content" / "wrong-encoding").glob("*.md"))


def test_slug_attacks_stay_in_their_folder_with_safe_names(fetched):
    root = fetched[0]
    names = [p.name for p in (root / "content" / "slug-attacks").iterdir()]
    assert len(names) == 50
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}-[a-z0-9][a-z0-9-]*\.md", n) for n in names), names
    assert sorted(p.relative_to(root / "content").parts[0] for p in (root / "content").iterdir()) == sorted(
        f.name for f in hostile_feeds(SCALE) if f.name != "not-a-feed"
    )


def test_the_site_still_builds(fetched, capsys):
    root = fetched[0]
    assert main(["--root", str(root), "-q", "build"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert len(read_articles(root / "content")) == len(list((root / "public" / "posts").iterdir()))
    pages = "".join(p.read_text() for p in (root / "public" / "posts").rglob("index.html"))
    assert "longer than this site keeps" in pages and "<script>alert" not in pages
