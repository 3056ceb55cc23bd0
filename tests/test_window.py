"""window.py: the publish window, and the no-op and quick builds that trust it.

The window must hold for a clock reading exactly when that reading publishes the same
posts as the build that recorded it: the property test checks both directions against
``content.filter_published`` itself, over drafts, future posts, posts dated exactly
now and dates in other time zones.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conftest import install_theme, post, read_tree, write_files
from hypothesis import given
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.content import filter_published
from generator.incremental.window import PublishWindow, micros, publish_window
from generator.models import Article, BuildOptions
from generator.pipeline import build_site

BASE = datetime(2025, 6, 1, tzinfo=timezone.utc)
ZONES = st.sampled_from([timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9, minutes=-30))])
OFFSETS = st.integers(-5, 5).map(lambda n: timedelta(minutes=n))  # few distinct instants: many ties with now


def _moment(offset: timedelta, zone: timezone) -> datetime:
    return (BASE + offset).astimezone(zone)


ARTICLES = st.lists(st.tuples(OFFSETS, ZONES, st.booleans()), max_size=8).map(
    lambda items: [Article(title=f"t{i}", date=_moment(off, zone), draft=draft, body="", path=f"p{i}.md") for i, (off, zone, draft) in enumerate(items)]
)


def _shown(articles: list[Article], now: datetime, drafts: bool, future: bool) -> set[str]:
    return {a.path for a in filter_published(articles, now, drafts, future)}


@given(ARTICLES, OFFSETS, ZONES, OFFSETS, ZONES, st.booleans(), st.booleans())
def test_the_window_holds_exactly_when_the_same_posts_are_published(articles, off, zone, later_off, later_zone, drafts, future):
    now, later = _moment(off, zone), _moment(later_off, later_zone)
    window = publish_window(articles, BuildOptions(now=now, drafts=drafts, future=future))
    assert window.holds(now)
    assert window.holds(later) == (_shown(articles, later, drafts, future) == _shown(articles, now, drafts, future))


def test_a_post_dated_exactly_now_opens_the_window_and_a_second_later_one_closes_it():
    now = BASE
    articles = [Article(title="a", date=now, body="", path="a.md"), Article(title="b", date=now + timedelta(seconds=1), body="", path="b.md")]
    window = publish_window(articles, BuildOptions(now=now))
    assert window == PublishWindow(micros(now), micros(now + timedelta(seconds=1)))
    assert window.holds(now) and not window.holds(now - timedelta(microseconds=1)) and not window.holds(now + timedelta(seconds=1))


def test_drafts_bound_the_window_only_when_shown_and_future_posts_leave_it_unbounded():
    later = Article(title="d", date=BASE + timedelta(days=1), draft=True, body="", path="d.md")
    assert publish_window([later], BuildOptions(now=BASE)) == PublishWindow(None, None)
    assert publish_window([later], BuildOptions(now=BASE, drafts=True)) == PublishWindow(None, micros(later.date))
    assert publish_window([later], BuildOptions(now=BASE, drafts=True, future=True)) == PublishWindow(None, None)


def test_a_stored_window_reads_back_and_a_bad_one_is_refused():
    window = PublishWindow(None, 1_700_000_000_000_000)
    assert PublishWindow.from_json(window.to_json()) == window
    for bad in (None, [], [1], [1, 2, 3], ["1", 2], [1.5, None], [True, None]):
        assert PublishWindow.from_json(bad) is None


# ---------------------------------------------------------------- builds that trust it

SITE = {
    "site.toml": 'title = "W"\nbase_url = "https://example.org/"\nfeed_items = 1\n',  # a.md is in no feed: a body edit to it is quick
    "content/posts/a.md": post("Alpha", "2025-05-01T00:00:00Z", body="First.\n"),
    "content/posts/b.md": post("Beta", "2025-05-02T00:00:00Z", body="Second.\n"),
    "content/posts/later.md": post("Later", "2025-06-10T12:00:00+02:00", body="Due on the tenth.\n"),
}
DUE = datetime(2025, 6, 10, 10, 0, tzinfo=timezone.utc)  # = 12:00 at +02:00


def _site(tmp_path):
    root = tmp_path / "site"
    write_files(root, SITE)
    install_theme(root)
    return root


def _build(root, now, **kw):
    return build_site(load_site_config(root), BuildOptions(now=now, **kw))


def _clean(root, out, now, **kw) -> dict[str, bytes]:
    build_site(load_site_config(root), BuildOptions(now=now, out_dir=out, clean=True, **kw))
    return read_tree(out)


def test_a_post_falling_due_between_two_builds_makes_the_second_no_no_op(tmp_path):
    root = _site(tmp_path)
    _build(root, DUE - timedelta(days=2))
    assert _build(root, DUE - timedelta(microseconds=1)).noop  # not due yet: nothing to do
    report = _build(root, DUE)  # due at exactly now
    assert not report.noop and not report.quick
    assert "posts/later/index.html" in read_tree(root / "public")
    assert read_tree(root / "public") == _clean(root, tmp_path / "clean", DUE)
    assert _build(root, DUE + timedelta(days=30)).noop  # nothing else waits


def test_a_clock_turned_back_past_a_posts_date_withdraws_it(tmp_path):
    root = _site(tmp_path)
    _build(root, DUE)
    report = _build(root, DUE - timedelta(seconds=1))
    assert not report.noop
    assert "posts/later/index.html" not in read_tree(root / "public")
    assert read_tree(root / "public") == _clean(root, tmp_path / "clean", DUE - timedelta(seconds=1))


def test_with_future_posts_shown_the_clock_never_matters(tmp_path):
    root = _site(tmp_path)
    _build(root, DUE - timedelta(days=2), future=True)
    assert _build(root, DUE + timedelta(days=400), future=True).noop


def test_a_body_edit_is_quick_inside_the_window_and_not_once_a_post_falls_due(tmp_path):
    root = _site(tmp_path)
    _build(root, DUE - timedelta(days=2))
    (root / "content/posts/a.md").write_text(post("Alpha", "2025-05-01T00:00:00Z", body="First.\n\nMore.\n"))
    assert _build(root, DUE - timedelta(days=1)).quick
    (root / "content/posts/a.md").write_text(post("Alpha", "2025-05-01T00:00:00Z", body="First.\n\nMore again.\n"))
    report = _build(root, DUE)
    assert not report.quick and not report.noop
    assert read_tree(root / "public") == _clean(root, tmp_path / "clean", DUE)


def test_the_quick_path_trusts_a_window_only_of_the_content_it_was_recorded_for(tmp_path):
    """Another output folder's build saw a post brought forward: this folder's window was
    recorded before that, so a body edit here is not quick (the post must appear)."""
    root = _site(tmp_path)
    now = DUE - timedelta(days=2)
    _build(root, now)
    (root / "content/posts/later.md").write_text(post("Later", "2025-05-03T00:00:00Z", body="Due on the tenth.\n"))
    _build(root, now, out_dir=tmp_path / "elsewhere")
    (root / "content/posts/a.md").write_text(post("Alpha", "2025-05-01T00:00:00Z", body="First.\n\nMore.\n"))
    report = _build(root, now)
    assert not report.quick
    assert "posts/later/index.html" in read_tree(root / "public")
    assert read_tree(root / "public") == _clean(root, tmp_path / "clean", now)
