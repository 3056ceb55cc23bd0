"""gitcommit.py and ``fetch --commit``: one commit per fetch that changed something, pushed to a bare remote."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import FEED_FIXTURES
from feedserver import FeedServer, conditional, respond

from generator.cli import main
from generator.fetching.gitcommit import CommitPlan, GitError, commit_fetched, commit_message

GHOST = (FEED_FIXTURES / "ghost_like.xml").read_bytes()
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch):
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def make_repo(tmp_path: Path, feed_url: str) -> tuple[Path, Path]:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    work = tmp_path / "site"
    git(tmp_path, "clone", "--quiet", str(bare), str(work))
    (work / "feeds").mkdir()
    (work / "site.toml").write_text('title = "Test"\n')
    (work / "feeds/feeds.toml").write_text(f'[[feed]]\nname = "ghosty"\nurl = "{feed_url}"\n')
    git(work, "checkout", "--quiet", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "start")
    git(work, "push", "--quiet", "-u", "origin", "main")
    return work, bare


def test_message_says_what_happened():
    three = CommitPlan(added=("content/a/1.md", "content/a/2.md", "content/b/3.md"), changed=("content/b/4.md",))
    assert commit_message(three) == "fetch: 3 new, 1 updated articles from 2 feeds"
    assert commit_message(CommitPlan(added=("content/a/1.md",))) == "fetch: 1 new, 0 updated articles from 1 feed"
    health = CommitPlan(state_file="feeds/state.json", started_failing=("x",), recovered=("y", "z"), state_changed=("w",))
    assert commit_message(health) == "fetch: 1 feed started failing (x); 2 feeds recovered (y, z)"
    assert commit_message(CommitPlan(state_file="s", state_changed=("w",))) == "fetch: state of 1 feed updated (validators, redirects)"


def test_fetch_commit_then_push_reaches_the_bare_remote(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.route("/feed", conditional(GHOST, etag='"v1"'))
    work, bare = make_repo(tmp_path, url)
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    log = git(work, "log", "--format=%s").splitlines()
    assert len(log) == 2 and log[0].startswith("fetch: ") and " new, 0 updated articles from 1 feed" in log[0]
    new_count = int(log[0].split()[1])
    committed = git(work, "show", "--name-only", "--format=", "HEAD").split()
    assert len([f for f in committed if f.startswith("content/ghosty/")]) == new_count > 0
    assert "feeds/state.json" in committed
    assert git(work, "status", "--porcelain") == ""
    git(work, "push", "--quiet")
    assert git(bare, "log", "--format=%s", "main").splitlines()[0] == log[0]

    # Nothing new (a 304, a second later so last_success moves): no commit.
    time.sleep(1.1)
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    assert len(git(work, "log", "--format=%s").splitlines()) == 2


def test_commit_only_touches_fetch_paths(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.route("/feed", conditional(GHOST, etag='"v1"'))
    work, _ = make_repo(tmp_path, url)
    (work / "notes.txt").write_text("work in progress")
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    assert "notes.txt" not in git(work, "show", "--name-only", "--format=", "HEAD")
    assert "?? notes.txt" in git(work, "status", "--porcelain")


def test_not_a_repository_is_a_clear_error(tmp_path: Path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "x.md").write_text("x")
    with pytest.raises(GitError, match="not a git repository|git rev-parse failed"):
        commit_fetched(tmp_path, ["content/x"], "feeds/state.json")


def test_state_with_only_newer_fetch_times_is_not_committed(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.route("/feed", conditional(GHOST, etag='"v1"'))
    work, _ = make_repo(tmp_path, url)
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    state = (work / "feeds/state.json").read_text()
    moved = state.replace('"last_success": "', '"last_success": "1')  # as if a later 304 run wrote it
    (work / "feeds/state.json").write_text(moved)
    assert commit_fetched(work, ["content/ghosty"], "feeds/state.json") is None
    failing = json.loads(state)
    failing["feeds"]["ghosty"]["last_error"] = "HTTP 500"
    failing["feeds"]["ghosty"]["consecutive_failures"] = 1
    (work / "feeds/state.json").write_text(json.dumps(failing))
    assert commit_fetched(work, ["content/ghosty"], "feeds/state.json")[1] == "fetch: 1 feed started failing (ghosty)"
    failing["feeds"]["ghosty"]["last_error"] = "timeout after 20 s"  # still failing: other words, one more
    failing["feeds"]["ghosty"]["consecutive_failures"] = 2
    (work / "feeds/state.json").write_text(json.dumps(failing))
    assert commit_fetched(work, ["content/ghosty"], "feeds/state.json") is None
    failing["feeds"]["ghosty"]["etag"] = '"v2"'  # a validator: matters
    (work / "feeds/state.json").write_text(json.dumps(failing))
    assert commit_fetched(work, ["content/ghosty"], "feeds/state.json")[1] == "fetch: state of 1 feed updated (validators, redirects)"


def test_a_failing_feed_makes_one_commit_then_none(tmp_path: Path, feed_server: FeedServer):
    good = feed_server.route("/feed", conditional(GHOST, etag='"v1"'))
    broken = feed_server.route("/broken", respond(500))
    work, _ = make_repo(tmp_path, good)
    with (work / "feeds/feeds.toml").open("a") as fh:
        fh.write(f'\n[[feed]]\nname = "broken"\nurl = "{broken}"\n')
    git(work, "commit", "--quiet", "-am", "a second feed")
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    log = git(work, "log", "--format=%s").splitlines()
    assert len(log) == 3 and log[0].endswith("articles from 1 feed; 1 feed started failing (broken)"), log[0]
    time.sleep(1.1)  # a later run: fetch times and the failure count move
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0
    assert len(git(work, "log", "--format=%s").splitlines()) == 3
    assert json.loads((work / "feeds/state.json").read_text())["feeds"]["broken"]["consecutive_failures"] == 2
    assert git(work, "status", "--porcelain").split() == ["M", "feeds/state.json"]  # kept, not committed


def test_articles_an_earlier_plain_fetch_left_are_counted_in_the_message(tmp_path: Path, feed_server: FeedServer):
    url = feed_server.route("/feed", conditional(GHOST, etag='"v1"'))
    work, _ = make_repo(tmp_path, url)
    (work / "content/posts").mkdir(parents=True)
    (work / "content/posts/draft.md").write_text("---\ntitle: Mine\ndate: 2024-01-01\n---\nwork in progress\n")
    assert main(["--root", str(work), "-q", "fetch"]) == 0  # no commit
    written = sorted(p.relative_to(work).as_posix() for p in (work / "content/ghosty").glob("*.md"))
    assert written
    assert main(["--root", str(work), "-q", "fetch", "--commit"]) == 0  # a 304 now: nothing new fetched
    message = git(work, "log", "-1", "--format=%s").strip()
    assert message == f"fetch: {len(written)} new, 0 updated articles from 1 feed"
    assert sorted(git(work, "show", "--name-only", "--format=", "HEAD").split()) == sorted([*written, "feeds/state.json"])
    assert "?? content/posts/" in git(work, "status", "--porcelain")  # the author's post is not committed
