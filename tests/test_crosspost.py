"""crosspost.py: which files are one article, and why (detection alone, no build)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from crosspost_fixtures import APART, COPIES, FEEDS, fixture_articles
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.models import Article
from generator.site.crosspost import (
    MIN_SHINGLES,
    SIMILARITY,
    copy_label,
    declared_urls,
    find_crossposts,
    is_syndicated,
    shingles,
    similarity,
    title_key,
    url_key,
)

DAY = datetime(2026, 1, 1, tzinfo=timezone.utc)


def article(path: str, title: str = "A title", body: str = "", days: int = 0, **fields) -> Article:
    source = fields.pop("source", path.split("/")[0] if not path.startswith("posts/") else "")
    return Article(title=title, date=DAY + timedelta(days=days), body=body, path=path, source=source, **fields)


def detect(articles):
    return find_crossposts(articles, lambda a: declared_urls(a.body, a.original_url), lambda a: a.body)


def fixture_set() -> list[Article]:
    """Every fixture article, with a path as fetch would give it (feed/title.md)."""
    return [replace(a, path=f"{a.source}/{title_key(a.title).replace(' ', '-')}.md") for f in FEEDS for a in fixture_articles(f)]


def as_pairs(groups_of_keys) -> set[frozenset]:
    return {frozenset(pair) for keys in groups_of_keys for pair in itertools.combinations(sorted(keys), 2)}


# ---------------------------------------------------------------- keys


def test_url_key_ignores_what_copies_links_differ_by():
    same = [
        "https://tidycode.example.org/profiling/",
        "http://www.tidycode.example.org/profiling",
        "https://TidyCode.example.org:443/profiling/?utm_source=medium&utm_medium=crosspost#top",
        "https://tidycode.example.org/profiling?ref=dev.to",
        "https://tidycode.example.org/profiling/?source=rss-abc123------2",
    ]
    assert {url_key(u) for u in same} == {"tidycode.example.org/profiling"}
    assert url_key("https://example.org/p?id=2&page=1") == url_key("https://example.org/p?page=1&id=2") != url_key("https://example.org/p?id=3")
    assert url_key("javascript:alert(1)") == url_key("mailto:a@b.c") == url_key("not a url") == url_key("https://]") == ""


def test_title_key_folds_case_punctuation_and_width():
    assert title_key("Streaming Large CSV Files") == title_key("streaming large csv files!") == title_key("Streaming  large\tCSV files")
    assert title_key("Ｈｅｌｌｏ, World") == "hello world"
    assert title_key("Part 1") != title_key("Part 2")


def test_declared_urls_come_only_from_paragraphs_that_say_where_a_text_was_first_published():
    body = (
        "See [my earlier post](https://blog.example/older/) for the background.\n\n"
        "*Originally published at [blog.example](https://blog.example/this-post/?utm_source=medium) on 5 January.*\n\n"
        "This article was first posted on <https://other.example/copy>.\n\n"
        "Cross-posted from https://third.example/p/1\n"
    )
    assert declared_urls(body) == ("blog.example/this-post", "other.example/copy", "third.example/p/1")
    assert declared_urls("A link to [a post](https://blog.example/older/) and nothing else.\n") == ()


def test_a_copy_that_names_itself_as_original_joins_nothing():
    # Medium's own footer: "<title> was originally published in <publication> on Medium".
    medium = article("m/a.md", body="Text.\n\n[A title](https://medium.com/pub/a-1) was originally published in [Pub](https://medium.com/pub) on Medium.\n",
                     original_url="https://medium.com/pub/a-1?source=rss")
    other = article("b/a.md", title="Other", original_url="https://medium.com/pub")
    assert detect([medium, other]).groups == []


def test_similarity_is_jaccard_of_five_word_phrases():
    a = shingles("one two three four five six")
    assert a == {"one two three four five", "two three four five six"}
    assert similarity(a, a) == 1.0 and similarity(a, frozenset()) == 0.0
    assert similarity(a, shingles("one two three four five seven")) == 1 / 3
    # Link targets, bare URLs and tags are not words: CDNs and ?ref= differ between copies.
    assert shingles("see [the docs](https://a.example/x?ref=blog) now and then") == shingles("see [the docs](https://b.example/y) now and then")


def test_syndication_platforms_and_labels():
    devto = article("d/a.md", platform="forem", original_url="https://dev.to/ann/a-1")
    medium = article("m/a.md", platform="generic", original_url="https://ann.medium.com/a-1")
    blog = article("b/a.md", platform="ghost", original_url="https://ann.example/a/")
    assert is_syndicated(devto) and is_syndicated(medium) and not is_syndicated(blog)
    assert [copy_label(a, "Ann's feed") for a in (devto, medium, blog)] == ["dev.to", "Medium", "Ann's feed"]


# ---------------------------------------------------------------- the fixtures


def test_the_fixtures_merge_every_copy_and_nothing_else():
    articles = fixture_set()
    key = {a.path: (a.source, a.title) for a in articles}
    found = detect(articles)
    merged = as_pairs([{key[m] for m in g.members} for g in found.groups])
    assert merged == as_pairs(COPIES)  # every copy merged, and no pair that is not a copy
    assert not merged & as_pairs(APART)
    kept_apart = {frozenset(key[p] for p in line.split(":")[0].split(" and ")) for line in found.apart}
    assert kept_apart == as_pairs(APART)


def test_the_fixtures_primary_is_the_own_blog_and_the_reasons_are_given():
    found = detect(fixture_set())
    profiling = next(g for g in found.groups if len(g.members) == 3)
    assert (profiling.primary,) == profiling.earliest == ("tidycode/profiling-python-with-cprofile.md",)
    assert profiling.members[1:] == ("adamarsh/profiling-python-with-cprofile.md", "adamarsh-medium/profiling-python-code-with-cprofile.md")
    assert sorted(profiling.reasons) == [
        "adamarsh-medium/profiling-python-code-with-cprofile.md names tidycode/profiling-python-with-cprofile.md's URL as where it was first published",
        "adamarsh/profiling-python-with-cprofile.md and tidycode/profiling-python-with-cprofile.md: same title, 90% of their five-word phrases shared",
    ]


def test_the_threshold_sits_between_the_fixtures_copies_and_their_namesakes():
    by_key = {(a.source, a.title): a for f in FEEDS for a in fixture_articles(f)}

    def scores(sets):
        return [similarity(shingles(by_key[x].body), shingles(by_key[y].body)) for keys in sets for x, y in itertools.combinations(sorted(keys), 2)]

    assert min(scores(COPIES)) >= SIMILARITY > max(scores(APART))


# ---------------------------------------------------------------- rules


LONG = " ".join(f"word{i}" for i in range(60))


def test_same_title_and_text_merge_across_feeds_never_within_one():
    a, b, c = article("x/a.md", body=LONG), article("y/a.md", body=LONG, days=2), article("x/b.md", body=LONG, days=3)
    found = detect([c, b, a])
    assert [g.members for g in found.groups] == [("x/a.md", "y/a.md")]  # x/b.md: same feed as x/a.md


def test_two_of_the_sites_own_posts_never_merge_by_their_text():
    assert detect([article("posts/a.md", body=LONG), article("posts/b.md", body=LONG)]).groups == []


def test_short_texts_and_different_authors_stay_apart():
    short = " ".join(f"w{i}" for i in range(MIN_SHINGLES + 3))  # MIN_SHINGLES - 1 phrases
    found = detect([article("x/a.md", body=short), article("y/a.md", body=short)])
    assert found.groups == [] and found.apart == ["x/a.md and y/a.md: same title, 100% of their five-word phrases shared (too short to tell)"]
    found = detect([article("x/a.md", body=LONG, author="Ann Lee"), article("y/a.md", body=LONG, author="Bo Chen")])
    assert found.groups == [] and "different authors" in found.apart[0]
    assert len(detect([article("x/a.md", body=LONG, author="Ann Lee"), article("y/a.md", body=LONG, author="ann")]).groups) == 1


def test_copy_of_joins_and_not_copy_of_keeps_apart():
    a = article("x/a.md", title="One", original_url="https://x.example/one/")
    b = article("y/b.md", title="Two", copy_of=("x/a.md",))
    c = article("z/c.md", title="Three", copy_of=("https://x.example/one?utm_source=z",))
    found = detect([a, b, c])
    assert [g.members for g in found.groups] == [("x/a.md", "y/b.md", "z/c.md")]
    assert "y/b.md says it is a copy of x/a.md (copy_of)" in found.groups[0].reasons
    # not_copy_of beats every other piece of evidence, from either side
    d = article("y/a.md", body=LONG + "\n\nOriginally published at https://x.example/one/", not_copy_of=("x/a.md",))
    assert detect([replace(a, body=LONG), d]).groups == []


def test_an_override_naming_no_file_is_reported():
    found = detect([article("x/a.md", copy_of=("x/gone.md",))])
    assert found.problems == ["x/a.md: 'copy_of: x/gone.md' names no published article (a content path such as feed/2024-01-05-title.md, or its URL)"]


def test_primary_prefers_this_site_then_an_own_blog_then_the_earliest_and_the_url_the_earliest():
    devto = article("d/a.md", body=LONG, platform="forem", original_url="https://dev.to/a/a-1")
    blog = article("b/a.md", body=LONG, platform="ghost", original_url="https://a.example/a/", days=3)
    group = detect([devto, blog]).groups[0]
    assert (group.primary, group.earliest) == ("b/a.md", ("d/a.md",))
    mine = article("posts/a.md", body=LONG, days=5)
    group = detect([devto, blog, mine]).groups[0]
    assert (group.primary, group.members, group.earliest) == ("posts/a.md", ("posts/a.md", "d/a.md", "b/a.md"), ("d/a.md",))


TITLES = st.sampled_from(["Weekly notes", "Hello world", "weekly NOTES!", "Other"])
TEXTS = st.sampled_from(["", LONG, LONG + " extra words here", "short text", " ".join(reversed(LONG.split()))])
ITEMS = st.tuples(st.sampled_from(["posts", "x", "y", "z"]), TITLES, TEXTS, st.integers(0, 3), st.sampled_from(["", "Ann", "Bo"]), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(ITEMS, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_groups_are_disjoint_respect_keep_apart_and_do_not_depend_on_order(items, rng):
    articles = []
    for n, (folder, title, text, days, author, apart) in enumerate(items):
        path = f"{folder}/{n}.md"
        keep = tuple(f"{f}/{n - 1}.md" for f in ("posts", "x", "y", "z")) if apart and n else ()
        articles.append(article(path, title, text, days, author=author, not_copy_of=keep, original_url=f"https://{folder}.example/{n}"))
    found = detect(articles)
    shuffled = articles[:]
    rng.shuffle(shuffled)
    assert detect(shuffled) == found
    members = [m for g in found.groups for m in g.members]
    assert len(members) == len(set(members))
    by_path = {a.path: a for a in articles}
    for group in found.groups:
        assert len(group.members) > 1 and group.primary == group.members[0] and set(group.earliest) <= set(group.members)
        for x, y in itertools.combinations(group.members, 2):
            assert y not in by_path[x].not_copy_of and x not in by_path[y].not_copy_of


@pytest.mark.parametrize("unit", ["](", "[a](", "<", "<a", "<http://", "{:", "href='", "http://", "\n \n"])
def test_hostile_texts_are_read_in_linear_time(unit):
    # 400,000 characters of a pattern that makes naive expressions quadratic (hours, not
    # milliseconds): the test would not finish if these were.
    text = "Originally published at " + unit * (400_000 // len(unit))
    assert isinstance(shingles(text), frozenset) and isinstance(declared_urls(text), tuple)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"](<>{}:/.ah \n\t'\"=?#", "https://", "Originally published at ", "é"]), max_size=300).map("".join))
def test_any_text_gives_phrases_and_web_addresses_only(text):
    for key in declared_urls(text, "https://self.example/x"):
        assert key and url_key("https://" + key) == key  # a key is a normalised address, stable
    assert all(len(p.split()) == 5 for p in shingles(text))
