"""feeds/state.json: round trip, deterministic bytes, written only when changed, corrupt file kept."""

from __future__ import annotations

import json

from generator.fetching.state import dump_state, load_state, save_state
from generator.models import FeedState

STATES = {
    "zeta": FeedState(etag='"z"', consecutive_failures=2, last_error="HTTP 500 (after 3 attempts)"),
    "alpha": FeedState(last_modified="Mon, 02 Mar 2026 08:00:00 GMT", permanent_redirect="https://new.example/feed",
                       last_success="2026-03-02T08:00:00Z", platform="ghost",
                       first_seen={"b": "2026-03-01T00:00:00Z", "a": "2026-03-02T00:00:00Z"}),
}


def test_round_trip(tmp_path):
    path = tmp_path / "state.json"
    assert save_state(path, STATES) is True
    assert load_state(path) == STATES


def test_bytes_are_sorted_and_leave_defaults_out():
    data = json.loads(dump_state(STATES))
    assert list(data["feeds"]) == ["alpha", "zeta"]
    assert data["feeds"]["zeta"] == {"consecutive_failures": 2, "etag": '"z"', "last_error": "HTTP 500 (after 3 attempts)"}
    assert dump_state(STATES) == dump_state(dict(reversed(STATES.items())))


def test_unchanged_state_is_not_rewritten(tmp_path):
    path = tmp_path / "state.json"
    save_state(path, STATES)
    before = path.stat().st_mtime_ns
    assert save_state(path, dict(STATES)) is False
    assert path.stat().st_mtime_ns == before
    assert save_state(path, {**STATES, "new": FeedState(etag='"n"')}) is True


def test_missing_file_is_an_empty_state(tmp_path):
    assert load_state(tmp_path / "state.json") == {}


def test_corrupt_file_warns_keeps_a_backup_and_starts_empty(tmp_path, caplog):
    path = tmp_path / "state.json"
    for bad in ("{oops", '["a list"]', '{"feeds": {"x": {"consecutive_failures": "many"}}}'):
        path.write_text(bad)
        assert load_state(path) == {}
        assert (tmp_path / "state.json.bak").read_text() == bad
        assert "unreadable fetch state" in caplog.text and "state.json.bak" in caplog.text


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"version": 2, "feeds": {"a": {"etag": "\\"e\\"", "shiny_new_field": 1}}}')
    assert load_state(path) == {"a": FeedState(etag='"e"')}
