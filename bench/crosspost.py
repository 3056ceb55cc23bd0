"""The cross-post rule's figures: every decision on the team's fixtures, and on real feeds.

Fixtures (tests/fixtures/crosspost/, see tests/crosspost_fixtures.py for what each pair
is): every pair of files that share a normalised title or that one names as its
original, with its similarity and the decision, then merged / kept apart / wrongly
merged / wrongly kept apart. Real feeds (../shared/seeds and ../shared/wild, all
together): how many files share a title across feeds, how many were merged (none of
them are cross-posts of one another, so every merge would be wrong), and, titles
ignored, how similar two different articles ever are.

    python bench/crosspost.py
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from crosspost_fixtures import APART, COPIES, FEEDS, fixture_articles  # noqa: E402

from bench.fidelity import real_feed_files  # noqa: E402
from generator.errors import FetchError  # noqa: E402
from generator.fetching.parse import parse_feed  # noqa: E402
from generator.models import Article, FeedSource, FetchResult  # noqa: E402
from generator.normalise import normalise_entry  # noqa: E402
from generator.site.crosspost import SIMILARITY, declared_urls, find_crossposts, shingles, similarity, title_key  # noqa: E402


def with_paths(articles: list[Article]) -> list[Article]:
    return [replace(a, path=f"{a.source}/{n:03d}-{title_key(a.title).replace(' ', '-')[:40]}.md") for n, a in enumerate(articles)]


def detect(articles: list[Article]):
    return find_crossposts(articles, lambda a: declared_urls(a.body, a.original_url), lambda a: a.body)


def pairs_of(groups) -> set[frozenset[str]]:
    return {frozenset(p) for g in groups for p in itertools.combinations(sorted(g), 2)}


def fixture_figures() -> None:
    articles = with_paths([a for f in FEEDS for a in fixture_articles(f)])
    key = {a.path: (a.source, a.title) for a in articles}
    found = detect(articles)
    merged = pairs_of([{key[m] for m in g.members} for g in found.groups])
    copies, apart = pairs_of(COPIES), pairs_of(APART)
    print(f"{'score':>6}  {'decision':<11} pair")
    for a, b in itertools.combinations(articles, 2):
        pair = frozenset((key[a.path], key[b.path]))
        if pair in copies or pair in apart or title_key(a.title) == title_key(b.title):
            score = similarity(shingles(a.body), shingles(b.body))
            decision = "merged" if pair in merged else "kept apart"
            print(f"{score:6.2f}  {decision:<11} {a.source}: {a.title}  |  {b.source}: {b.title}")
    print(f"\nthreshold {SIMILARITY}; reasons:")
    for group in found.groups:
        for reason in group.reasons:
            print(f"  {reason}")
    print(
        f"\nfixtures: {len(merged & copies)}/{len(copies)} copy pairs merged, "
        f"{len(apart - merged)}/{len(apart)} same-title pairs kept apart, "
        f"wrongly merged {len(merged - copies)}, wrongly kept apart {len(copies - merged)}"
    )


def real_feed_figures() -> None:
    articles: list[Article] = []
    for path in real_feed_files():
        source = FeedSource(name=path.stem.replace("_", "-"), url=f"https://feeds.example/{path.name}")
        result = FetchResult(source=source, status="ok", url=source.url, body=path.read_bytes())
        try:
            entries = parse_feed(result, source, {}, datetime(2030, 1, 1, tzinfo=timezone.utc)).entries
        except FetchError:
            continue
        articles += [normalise_entry(e, source) for e in entries]
    if not articles:
        print("real feeds: ../shared is absent")
        return
    articles = with_paths(articles)
    found = detect(articles)
    titles: dict[str, set[str]] = {}
    for a in articles:
        titles.setdefault(title_key(a.title), set()).add(a.source)
    shared = sum(1 for feeds in titles.values() if len(feeds) > 1)
    print(f"real feeds: {len(articles)} articles from {len({a.source for a in articles})} feeds; "
          f"{shared} titles shared across feeds; merged {sum(len(g.members) - 1 for g in found.groups)} (every one would be wrong)")
    for group in found.groups:
        print(f"  merged: {group.members} {group.reasons}")
    # Were titles ignored, how close would two different real articles come? (Same feed
    # included: templated footers and boilerplate are the usual near-misses.)
    phrases = [(a, shingles(a.body)) for a in articles]
    scores = sorted(
        ((similarity(x, y), a.path, b.path) for (a, x), (b, y) in itertools.combinations(phrases, 2) if min(len(x), len(y)) >= 12),
        reverse=True,
    )
    above = sum(1 for s in scores if s[0] >= SIMILARITY)
    across = next((s for s in scores if s[1].split("/")[0] != s[2].split("/")[0]), (0.0, "-", "-"))
    print(f"real feeds, titles ignored: {len(scores)} pairs of different articles; highest similarity {scores[0][0]:.2f} "
          f"({scores[0][1]} | {scores[0][2]}); {above} at or above the threshold; "
          f"highest across two feeds {across[0]:.2f}")


if __name__ == "__main__":
    fixture_figures()
    print()
    real_feed_figures()
