"""The shared fixtures of conftest.py do what the tests that use them rely on."""

from __future__ import annotations

import httpx
from conftest import read_tree
from feedserver import FeedServer, respond
from hypothesis import settings


def test_read_tree_gives_every_file_below_by_its_slash_path_in_order(tmp_path):
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "b" / "c" / "deep.txt").write_bytes(b"\x00deep")
    (tmp_path / "a.txt").write_text("top")
    (tmp_path / "empty").mkdir()
    tree = read_tree(tmp_path)
    assert tree == {"a.txt": b"top", "b/c/deep.txt": b"\x00deep"} and list(tree) == ["a.txt", "b/c/deep.txt"]


def test_feed_server_answers_on_127_0_0_1_and_records_requests(feed_server: FeedServer):
    url = feed_server.route("/feed", respond(200, b"<rss/>"))
    assert url.startswith("http://127.0.0.1:")
    assert httpx.get(url, headers={"X-Probe": "1"}).content == b"<rss/>"
    assert feed_server.requests["/feed"][0]["x-probe"] == "1"


def test_property_tests_have_no_time_limit_per_example():
    assert settings.default.deadline is None
