"""The publish window: the span of clock readings over which a build publishes the same posts.

Which posts a build publishes depends on the clock only through the rule "a post dated
after now waits" (``models.is_published``). So the set changes only when the clock
crosses the date of a post that the rule is deciding on: one that is not a draft (or
drafts are shown) while future posts are not. A build records the window it found:

- ``since``: the latest date of such a post it published (a post dated exactly now is
  published), or None when there is none;
- ``until``: the earliest date of such a post it held back for being in the future, or
  None when there is none.

A later build with the same content and options publishes the same posts exactly when
its clock reads ``since <= now < until``: ``since`` catches a clock turned back past a
post's date, ``until`` a post falling due. Instants are compared as UTC microseconds,
so time zones and offsets cannot confuse them. With ``--future`` the clock decides
nothing and the window is unbounded; a draft left out with ``--drafts`` off never
bounds it. Posts a feed gave no date carry a stand-in date (``content/frontmatter.py``)
and count like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from generator.models import Article, BuildOptions

__all__ = ["PublishWindow", "publish_window", "micros"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since 1970 (UTC): exact, and JSON's integers hold it."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class PublishWindow:
    """``since <= now < until`` (microseconds, ``micros``); None: unbounded on that side."""

    since: int | None = None
    until: int | None = None

    def holds(self, now: datetime) -> bool:
        """The clock reading ``now`` publishes the same posts as the build that recorded this."""
        at = micros(now)
        return (self.since is None or self.since <= at) and (self.until is None or at < self.until)

    def to_json(self) -> list[int | None]:
        return [self.since, self.until]

    @classmethod
    def from_json(cls, value: Any) -> PublishWindow | None:
        """The window a manifest stored; None when it is not two integers or nulls."""
        if type(value) is not list or len(value) != 2 or not all(v is None or type(v) is int for v in value):
            return None
        return cls(value[0], value[1])


CLOSED = PublishWindow(0, 0)  # holds for no clock reading: nothing recorded yet, or an old manifest


def publish_window(articles: Iterable[Article], options: BuildOptions) -> PublishWindow:
    """The window of a build of these articles (every content file, published or not)
    with these options, at the clock reading ``options.now``."""
    if options.future:
        return PublishWindow()
    assert options.now is not None  # one clock reading per build (pipeline._start)
    now = micros(options.now)
    since: int | None = None
    until: int | None = None
    for article in articles:
        if article.draft and not options.drafts:
            continue  # hidden whatever the clock says
        at = micros(article.date)
        if at <= now:
            since = at if since is None else max(since, at)
        else:
            until = at if until is None else min(until, at)
    return PublishWindow(since, until)
