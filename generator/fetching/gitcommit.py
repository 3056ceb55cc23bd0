"""Committing fetched articles: the last step of the scheduled fetch (``fetch --commit``).

The repository is the database, and an hourly schedule must not turn into hourly
commits (each one a Netlify build). So a commit is made only when it holds something:

- imported articles added or changed: files under ``content/<feed>/`` for the
  configured feeds that git sees as new or modified (this run's, and any an earlier
  plain ``fetch`` left uncommitted; never ``content/posts/``, never a deletion);
- ``feeds/state.json``, only when state that matters changed against the last commit
  (:func:`state_that_matters`): validators, a permanent redirect, the feed's URL,
  platform, title, link, first-seen dates, or a feed starting or stopping failing;
  never a fetch time, a failure count or the words of a still-failing feed's error.

Its message counts exactly what the commit holds (``fetch: 3 new, 1 updated articles
from 2 feeds; 1 feed started failing``), read back from git. Pushing is left to the
caller (the workflow runs ``git push``), so a failed push never loses the commit.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from generator.errors import GeneratorError

__all__ = ["CommitPlan", "GitError", "commit_fetched", "commit_message", "plan_commit", "state_that_matters"]

# Kept out of the comparison: they move on every run without telling anyone anything.
CHURN = ("last_success", "last_error", "consecutive_failures")


class GitError(GeneratorError):
    """git is missing, the folder is not a repository, or a git command failed."""


@dataclass(frozen=True)
class CommitPlan:
    """What one ``fetch --commit`` would commit, and the counts its message gives."""

    added: tuple[str, ...] = ()  # article paths new to git
    changed: tuple[str, ...] = ()  # article paths git already had
    state_file: str | None = None  # included when state that matters changed
    started_failing: tuple[str, ...] = ()  # feed names
    recovered: tuple[str, ...] = ()
    state_changed: tuple[str, ...] = ()  # feeds whose other state that matters changed

    @property
    def paths(self) -> list[str]:
        return [*self.added, *self.changed, *([self.state_file] if self.state_file else [])]


def _git(root: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise GitError("fetch --commit: git is not installed; install git or drop --commit") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise GitError(f"fetch --commit: git {args[0]} failed: {detail[-1] if detail else 'no output'} ({root})")
    return result.stdout


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def commit_message(plan: CommitPlan) -> str:
    """``fetch: 3 new, 1 updated articles from 2 feeds; 1 feed started failing, 1 recovered``."""
    parts = []
    articles = [*plan.added, *plan.changed]
    if articles:
        feeds = len({p.rsplit("/", 2)[-2] for p in articles})
        parts.append(f"{len(plan.added)} new, {len(plan.changed)} updated articles from {_plural(feeds, 'feed')}")
    health = []
    if plan.started_failing:
        health.append(f"{_plural(len(plan.started_failing), 'feed')} started failing ({', '.join(plan.started_failing)})")
    if plan.recovered:
        health.append(f"{_plural(len(plan.recovered), 'feed')} recovered ({', '.join(plan.recovered)})")
    parts += health
    if not parts and plan.state_changed:
        parts.append(f"state of {_plural(len(plan.state_changed), 'feed')} updated (validators, redirects)")
    return "fetch: " + "; ".join(parts)


def state_that_matters(state_text: str | None) -> dict[str, dict[str, Any]]:
    """Each feed's state less the churn (:data:`CHURN`), plus whether it is failing."""
    try:
        feeds = json.loads(state_text or "{}").get("feeds", {})
    except (ValueError, AttributeError):
        return {}
    if not isinstance(feeds, dict):
        return {}
    kept = {}
    for name, state in feeds.items():
        if isinstance(state, dict):
            kept[name] = {k: v for k, v in state.items() if k not in CHURN} | {"failing": bool(state.get("consecutive_failures"))}
    return kept


def _state_changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(started failing, recovered, other state that matters changed), as feed names."""
    started: list[str] = []
    recovered: list[str] = []
    other: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {"failing": False}), after.get(name, {"failing": False})
        if old.get("failing") != new.get("failing"):
            (started if new.get("failing") else recovered).append(name)
        elif old != new:
            other.append(name)
    return tuple(started), tuple(recovered), tuple(other)


def _article_changes(root: Path, folders: Iterable[str]) -> tuple[list[str], list[str]]:
    """(added, modified) ``.md`` files under ``folders`` as git sees them; deletions are left alone."""
    folders = [f for f in folders if (root / f).is_dir()]
    if not folders:
        return [], []
    out = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *folders)
    prefix = _git(root, "rev-parse", "--show-prefix").strip()  # status names paths from the repository's top
    added: list[str] = []
    modified: list[str] = []
    for entry in filter(None, out.split("\0")):
        code, path = entry[:2], entry[3:].removeprefix(prefix)
        if not path.endswith(".md") or "D" in code:
            continue
        (added if code in ("??", "A ", "AM") else modified).append(path)
    return sorted(added), sorted(modified)


def plan_commit(root: Path, article_folders: Iterable[str], state_file: str) -> CommitPlan:
    """What a commit would hold now (nothing to commit: a plan with no paths)."""
    added, changed = _article_changes(root, article_folders)
    try:
        before = _git(root, "show", f"HEAD:{state_file}")
    except GitError:
        before = None  # not committed yet (or no commit at all)
    after = (root / state_file).read_text(encoding="utf-8") if (root / state_file).is_file() else None
    started, recovered, other = _state_changes(state_that_matters(before), state_that_matters(after))
    matters = after is not None and (before is None or started or recovered or other)
    return CommitPlan(tuple(added), tuple(changed), state_file if matters else None, started, recovered, other)


def commit_fetched(root: Path, article_folders: Iterable[str], state_file: str) -> tuple[str, str] | None:
    """Commit what :func:`plan_commit` finds; (commit id, message), or None when nothing."""
    root = Path(root)
    if _git(root, "rev-parse", "--is-inside-work-tree").strip() != "true":
        raise GitError(f"fetch --commit: {root} is not a git repository")
    plan = plan_commit(root, article_folders, state_file)
    if not plan.paths:
        return None
    _git(root, "add", "--", *plan.paths)
    if not _git(root, "diff", "--cached", "--name-only", "--", *plan.paths).strip():
        return None
    message = commit_message(plan)
    _git(root, "commit", "--quiet", "-m", message, "--", *plan.paths)
    return _git(root, "rev-parse", "HEAD").strip(), message
