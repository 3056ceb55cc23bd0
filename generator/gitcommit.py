"""Committing fetched articles: the last step of the scheduled fetch (``fetch --commit``).

The repository is the database. After a fetch, if any article under ``content/`` or
``feeds/state.json`` changed, one commit records it with a message that says what
happened (``fetch: 3 new, 1 updated articles from 2 feeds``). Nothing changed, no
commit. Pushing is left to the caller (the workflow runs ``git push``), so a failed
push never loses the commit.
"""

from __future__ import annotations

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


def commit_fetched(root: Path, paths: list[str], message: str) -> str | None:
    """Commit changes under ``paths`` (relative to ``root``); return the new commit id or None."""
    root = Path(root)
    if _git(root, "rev-parse", "--is-inside-work-tree").strip() != "true":
        raise GitError(f"fetch --commit: {root} is not a git repository")
    existing = [p for p in paths if (root / p).exists()]
    if not existing:
        return None
    _git(root, "add", "--all", "--", *existing)
    if not _git(root, "diff", "--cached", "--name-only", "--", *existing).strip():
        return None
    _git(root, "commit", "--quiet", "-m", message, "--", *existing)
    return _git(root, "rev-parse", "HEAD").strip()
