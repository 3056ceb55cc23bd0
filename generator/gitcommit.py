"""Committing fetched articles: the last step of the scheduled fetch (``fetch --commit``).

The repository is the database. After a fetch, if any article under ``content/`` or
``feeds/state.json`` changed, one commit records it with a message that says what
happened (``fetch: 3 new, 1 updated articles from 2 feeds``). Nothing changed, no
commit. A state file whose only change is a newer ``last_success`` time (every feed
answered 304) does not count: otherwise an hourly schedule would commit every hour.
Pushing is left to the caller (the workflow runs ``git push``), so a failed push never
loses the commit.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from .errors import GeneratorError

__all__ = ["commit_message", "commit_fetched", "GitError"]


class GitError(GeneratorError):
    """git is missing, the folder is not a repository, or a git command failed."""


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise GitError("fetch --commit: git is not installed; install git or drop --commit") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"fetch --commit: git {args[0]} failed: {detail[-1] if detail else 'no output'} ({root})")
    return result.stdout


def commit_message(new: int, updated: int, feeds: int) -> str:
    if not new and not updated:
        return "fetch: feed state updated, no new articles"
    plural = "feed" if feeds == 1 else "feeds"
    return f"fetch: {new} new, {updated} updated articles from {feeds} {plural}"


def _without_times(state_text: str) -> object:
    """The state file's content less the times that move on every successful fetch."""
    try:
        data = json.loads(state_text)
        for feed in data.get("feeds", {}).values():
            feed.pop("last_success", None)
        return data
    except (ValueError, AttributeError):
        return state_text


def _only_times_changed(root: Path, state_file: str) -> bool:
    try:
        before = _git(root, "show", f"HEAD:{state_file}")
    except GitError:
        return False  # not committed yet: a real change
    return _without_times(before) == _without_times((root / state_file).read_text(encoding="utf-8"))


def commit_fetched(root: Path, paths: list[str], message: str, state_file: str | None = None) -> str | None:
    """Commit changes under ``paths`` (relative to ``root``); return the new commit id or None.

    ``state_file`` (one of ``paths``) is left out when only its fetch times changed.
    """
    root = Path(root)
    if _git(root, "rev-parse", "--is-inside-work-tree").strip() != "true":
        raise GitError(f"fetch --commit: {root} is not a git repository")
    if state_file and (root / state_file).exists() and _only_times_changed(root, state_file):
        paths = [p for p in paths if p != state_file]
    existing = [p for p in paths if (root / p).exists()]
    if not existing:
        return None
    _git(root, "add", "--all", "--", *existing)
    if not _git(root, "diff", "--cached", "--name-only", "--", *existing).strip():
        return None
    _git(root, "commit", "--quiet", "-m", message, "--", *existing)
    return _git(root, "rev-parse", "HEAD").strip()
