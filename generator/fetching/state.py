"""Fetch state between runs: ``feeds/state.json``, one :class:`FeedState` per feed name.

The file is JSON (readable in a diff, safe to load), written atomically and only when
its bytes would change, so an unchanged run leaves it alone. A corrupt file is not
fatal: it is kept beside as ``state.json.bak``, a warning says so, and the run starts
from an empty state (every feed is fetched in full once).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from pathlib import Path
from typing import Any, Mapping

from generator.files import write_if_changed
from generator.models import FeedState

__all__ = ["load_state", "save_state", "state_path", "STATE_FILE"]

log = logging.getLogger(__name__)

STATE_FILE = "state.json"
_VERSION = 1
_FIELDS = {f.name: f for f in dataclasses.fields(FeedState)}


def state_path(feeds_dir: Path) -> Path:
    return Path(feeds_dir) / STATE_FILE


def _feed_state(name: str, data: Any) -> FeedState:
    """One feed's state from JSON; unknown keys are ignored (written by a newer version)."""
    if not isinstance(data, dict):
        raise ValueError(f"feed {name!r}: expected an object")
    values = {k: v for k, v in data.items() if k in _FIELDS}
    if not isinstance(values.get("first_seen", {}), dict):
        raise ValueError(f"feed {name!r}: 'first_seen' must be an object")
    if not isinstance(values.get("consecutive_failures", 0), int):
        raise ValueError(f"feed {name!r}: 'consecutive_failures' must be a number")
    return FeedState(**values)


def load_state(path: Path) -> dict[str, FeedState]:
    """Read the state file; missing gives ``{}``, corrupt gives ``{}`` plus a warning and a ``.bak`` copy."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("feeds", {}), dict):
            raise ValueError("expected an object with a 'feeds' object")
        return {name: _feed_state(name, value) for name, value in data.get("feeds", {}).items()}
    except (ValueError, TypeError) as exc:
        backup = path.with_name(path.name + ".bak")
        shutil.copyfile(path, backup)
        log.warning(
            "%s: unreadable fetch state (%s); kept a copy as %s and starting afresh (every feed is fetched in full once)",
            path.name, exc, backup.name,
        )
        return {}


def dump_state(states: Mapping[str, FeedState]) -> bytes:
    """Deterministic JSON: feeds sorted by name, keys sorted, default values left out."""
    feeds = {}
    for name in sorted(states):
        state = states[name]
        feeds[name] = {
            key: getattr(state, key)
            for key, f in sorted(_FIELDS.items())
            if getattr(state, key) != (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
        }
    text = json.dumps({"version": _VERSION, "feeds": feeds}, indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def save_state(path: Path, states: Mapping[str, FeedState]) -> bool:
    """Write the state atomically if it changed; True when the file was written."""
    return write_if_changed(Path(path), dump_state(states))
