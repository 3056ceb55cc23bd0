"""bench/bench_build.py and its corpus: every post of a large corpus is published, and
the growth and target tables say what the figures say."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bench.bench_build import add_growth, print_targets
from bench.corpus import LAST_DATE, first_date, make_corpus


def test_every_post_of_a_20000_post_corpus_is_dated_in_the_past():
    last = first_date(20_000) + timedelta(hours=7 * 19_999, minutes=59)  # the newest post's latest minute
    assert last < LAST_DATE < datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_corpora_up_to_5000_posts_start_in_2015_as_they_always_did(tmp_path):
    assert first_date(1000) == first_date(5000) == datetime(2015, 1, 1, tzinfo=timezone.utc)
    names = sorted(p.name for p in (make_corpus(tmp_path / "c", 3) / "content/posts").iterdir())
    assert names == ["2015-01-01-post-00000.md", "2015-01-01-post-00001.md", "2015-01-01-post-00002.md"]


def test_growth_per_extra_post_between_consecutive_sizes_of_each_tool():
    rows = [
        {"n": 1000, "tool": "ours", "clean_s": 2.0, "noop_s": 0.10, "edit_s": 0.20, "deploy_s": 0.5, "peak_mb": 60},
        {"n": 1000, "tool": "hugo", "clean_s": 2.2, "noop_s": 2.2, "edit_s": 2.2, "peak_mb": 280},
        {"n": 5000, "tool": "ours", "clean_s": 10.0, "noop_s": 0.10, "edit_s": 0.24, "deploy_s": 0.9, "peak_mb": 140},
        {"n": 5000, "tool": "hugo", "clean_s": 10.2, "noop_s": 10.2, "edit_s": 10.2, "peak_mb": 1280},
    ]
    add_growth(rows)
    assert "per_post" not in rows[0] and "per_post" not in rows[1]
    ours, hugo = rows[2]["per_post"], rows[3]["per_post"]
    assert ours["since_n"] == 1000 and ours["clean_s"] == 8.0 / 4000 and ours["noop_s"] == 0.0
    assert abs(ours["edit_s"] - 0.04 / 4000) < 1e-12 and ours["peak_mb"] == 80 / 4000
    assert hugo["peak_mb"] == 1000 / 4000 and "deploy_s" not in hugo


def test_targets_are_said_met_or_not(capsys):
    rows = [
        {"n": 1000, "tool": "ours", "clean_s": 2.4, "noop_s": 0.1, "edit_s": 0.2, "peak_mb": 60},
        {"n": 1000, "tool": "hugo", "clean_s": 2.3, "noop_s": 2.3, "edit_s": 2.3, "peak_mb": 280},
        {"n": 20000, "tool": "ours", "clean_s": 30.0, "noop_s": 0.7, "edit_s": 0.5, "peak_mb": 510},
        {"n": 20000, "tool": "hugo", "clean_s": 55.0, "noop_s": 55.0, "edit_s": 55.0, "peak_mb": 5000},
    ]
    print_targets(rows)
    out = capsys.readouterr().out
    assert "N=1,000: clean 1.04x Hugo's (2.40 s / 2.30 s), target under 1x: NOT met" in out
    assert "N=20,000: clean 0.55x Hugo's (30.00 s / 55.00 s), target at most 0.6x: met" in out
    assert "N=20,000: no-op 0.70 s, target under 0.5: NOT met" in out
    assert "N=20,000: 1 edit 0.50 s, target under 0.6: met" in out
    assert "N=20,000: peak 510 MB, target under 300: NOT met" in out
