"""assemble.py: tags (case-folded, the most used spelling shown, listed by use) and the
site map, on posts built by hand and on small built sites."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest
from bs4 import BeautifulSoup
from conftest import post
from hypothesis import given
from hypothesis import strategies as st

from generator.config import load_site_config
from generator.models import Article, Rendered, SiteConfig
from generator.pipeline import BuildOptions, build_site
from generator.site.assemble import assemble_pages, first_image, make_posts, reading_neighbours, tag_names

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
SITE = SiteConfig(base_url="https://example.org/")


def article(n: int, tags: tuple[str, ...] = (), source: str = "", days: int | None = None) -> Article:
    date = NOW - timedelta(days=n if days is None else days)
    folder = source or "posts"
    return Article(title=f"Post {n}", date=date, body="x", tags=tags, source=source, path=f"{folder}/p{n}.md")


def posts_of(articles: list[Article]):
    return make_posts(SITE, articles, [Rendered(html="<p>x</p>") for _ in articles])


def test_tags_differing_in_case_are_one_tag_spelt_the_most_used_way():
    posts = posts_of([article(1, ("Python",)), article(2, ("python", "web")), article(3, ("python",)), article(4, ("PYTHON", "python"))])
    assert {t.name for p in posts for t in p.tags if t.slug == "python"} == {"python"}
    assert [t.name for t in posts[3].tags] == ["python"]  # "PYTHON" and "python" in one post: one tag
    tags = next(p for p in assemble_pages(SITE, posts) if p.url == "/tags/").context["tags"]
    assert [(i["tag"].name, i["count"]) for i in tags] == [("python", 4), ("web", 1)]


def test_a_tie_prefers_the_lowercase_spelling_whatever_the_order():
    assert tag_names([("Django",), ("django",)]) == {"django": "django"}
    assert tag_names([("django",), ("Django",)]) == {"django": "django"}
    assert tag_names([("Machine Learning",), ("machine-learning",), ("Machine Learning",)]) == {"machine-learning": "Machine Learning"}


def test_the_tags_page_lists_the_most_used_first_then_by_name():
    posts = posts_of([article(1, ("b", "c")), article(2, ("c",)), article(3, ("a",)), article(4, ("c", "b"))])
    tags = next(p for p in assemble_pages(SITE, posts) if p.url == "/tags/").context["tags"]
    assert [(i["tag"].name, i["count"]) for i in tags] == [("c", 3), ("b", 2), ("a", 1)]


SPELLINGS = st.sampled_from(["Python", "python", "PYTHON", "Web", "web", "Data Science", "data-science", "rust"])


@given(st.lists(st.lists(SPELLINGS, max_size=4), min_size=1, max_size=12), st.randoms())
def test_every_post_shows_each_tag_once_spelt_as_the_whole_site_spells_it(tag_lists, rnd: random.Random):
    articles = [article(i, tuple(tags)) for i, tags in enumerate(tag_lists)]
    posts = posts_of(articles)
    spelt: dict[str, set[str]] = {}
    for p in posts:
        slugs = [t.slug for t in p.tags]
        assert len(slugs) == len(set(slugs))
        for t in p.tags:
            spelt.setdefault(t.slug, set()).add(t.name)
    assert all(len(names) == 1 for names in spelt.values())
    shuffled = list(tag_lists)
    rnd.shuffle(shuffled)
    assert tag_names(shuffled) == tag_names(tag_lists)  # the quick path may meet posts in any order
    by_use = [i["count"] for i in next(p for p in assemble_pages(SITE, posts) if p.url == "/tags/").context["tags"]]
    assert by_use == sorted(by_use, reverse=True)


def test_a_built_site_has_one_tag_page_for_every_spelling(make_site):
    root = make_site({
        "site.toml": 'base_url = "https://example.org/"\n',
        "content/posts/a.md": post("A", "2024-01-01", tags="[Python]"),
        "content/posts/b.md": post("B", "2024-01-02", tags="[python, rust]"),
        "content/posts/c.md": post("C", "2024-01-03", tags="[python]"),
    })
    build_site(load_site_config(root), BuildOptions(now=NOW))
    assert sorted(p.name for p in (root / "public/tags").iterdir() if p.is_dir()) == ["python", "rust"]
    page = BeautifulSoup((root / "public/posts/a/index.html").read_text(), "html.parser")
    assert [a.get_text().lstrip("#") for a in page.select(".tags a")] == ["python"]
    assert page.find("meta", property="article:tag")["content"] == "python"
    tags = BeautifulSoup((root / "public/tags/index.html").read_text(), "html.parser")
    assert [a["href"] for a in tags.select(".tag-cloud a")] == ["/tags/python/", "/tags/rust/"]
    assert "<category>python</category>" in (root / "public/feed.xml").read_text() and "<category>Python</category>" not in (root / "public/feed.xml").read_text()


def test_reading_neighbours_stay_within_a_group():
    groups = ["", "ghost", "", "forem", "ghost", "", "forem"]
    assert reading_neighbours(groups) == [(None, 2), (None, 4), (0, 5), (None, 6), (1, None), (2, None), (3, None)]
    assert reading_neighbours([]) == []


@given(st.lists(st.sampled_from(["", "a", "b", "c"]), max_size=30))
def test_every_post_is_its_older_neighbours_newer_neighbour(groups):
    pairs = reading_neighbours(groups)
    for i, (newer, older) in enumerate(pairs):
        for j in (newer, older):
            assert j is None or groups[j] == groups[i]
        assert older is None or (older > i and pairs[older][0] == i and all(groups[k] != groups[i] for k in range(i + 1, older)))
        assert newer is None or (newer < i and pairs[newer][1] == i)


def test_previous_and_next_stay_within_the_source_and_authored_posts_among_themselves(make_site):
    def imported(title: str, date: str, source: str) -> str:
        return post(title, date, source=source, platform="generic", original_url=f"https://{source}.example/{date}", guid=date)

    root = make_site({
        "site.toml": 'base_url = "https://example.org/"\n',
        "content/posts/mine1.md": post("Mine one", "2024-01-01"),
        "content/blog-a/a1.md": imported("A one", "2024-01-02", "blog-a"),
        "content/blog-b/b1.md": imported("B one", "2024-01-03", "blog-b"),
        "content/posts/mine2.md": post("Mine two", "2024-01-04"),
        "content/blog-a/a2.md": imported("A two", "2024-01-05", "blog-a"),
        "content/blog-b/b2.md": imported("B two", "2024-01-06", "blog-b"),
    })
    build_site(load_site_config(root), BuildOptions(now=NOW))

    def nav(slug: str) -> tuple[str | None, str | None, str]:
        soup = BeautifulSoup((root / f"public/posts/{slug}/index.html").read_text(), "html.parser")
        older, newer = soup.select_one(".post-nav a[rel=prev]"), soup.select_one(".post-nav a[rel=next]")
        label = soup.select_one(".post-nav")["aria-label"] if soup.select_one(".post-nav") else ""
        return (older["href"] if older else None, newer["href"] if newer else None, label)

    assert nav("a-two") == ("/posts/a-one/", None, "Older and newer posts from blog-a")
    assert nav("a-one") == (None, "/posts/a-two/", "Older and newer posts from blog-a")
    assert nav("b-one")[:2] == (None, "/posts/b-two/")
    assert nav("mine-two") == ("/posts/mine-one/", None, "Older and newer posts")
    assert nav("mine-one")[:2] == (None, "/posts/mine-two/")


def test_first_image_skips_data_uris_and_unescapes_the_address():
    html_text = '<p>x</p><img alt="" src="data:image/gif;base64,R0lGOD"><p><img alt="a" src="https://cdn.example/a.png?w=1&amp;h=2" /></p><img src="b.png">'
    assert first_image(html_text) == "https://cdn.example/a.png?w=1&h=2"
    assert first_image("<p>No picture.</p>") == ""


def test_share_image_is_front_matter_image_else_first_body_image():
    with_front = make_posts(SITE, [Article(title="A", date=NOW, body="", image="https://feed.example/cover.jpg", path="f/a.md", source="f")],
                            [Rendered(html='<img src="https://feed.example/body.jpg">')])[0]
    assert with_front.image == "https://feed.example/cover.jpg"
    from_body = make_posts(SITE, [Article(title="B", date=NOW, body="", path="f/b.md", source="f")], [Rendered(html='<p><img src="https://feed.example/body.jpg"></p>')])[0]
    assert from_body.image == "https://feed.example/body.jpg"


def _og(root, slug: str) -> tuple[str | None, str, str | None]:
    soup = BeautifulSoup((root / f"public/posts/{slug}/index.html").read_text(), "html.parser")
    og = soup.find("meta", property="og:image")
    ld = json.loads(soup.find("script", type="application/ld+json").string)
    return (og["content"] if og else None, soup.find("meta", attrs={"name": "twitter:card"})["content"], ld.get("image"))


def test_articles_carry_og_image_made_absolute(make_site):
    imported = dict(source="feed", platform="ghost", original_url="https://blog.example/x/", guid="x")
    root = make_site({
        "site.toml": 'base_url = "https://example.org/planet/"\n',
        "content/feed/a.md": post("Imported", "2024-01-01", body="Text.\n\n![A chart](https://blog.example/img/chart.png)\n", **imported),
        "content/feed/b.md": post("Cover", "2024-01-02", body="![x](https://blog.example/img/in-body.png)\n", image="https://blog.example/img/cover.jpg", **{**imported, "guid": "y"}),
        "content/posts/c.md": post("Relative", "2024-01-03", body="![Cat](cat.png)\n"),
        "content/posts/d.md": post("Rooted", "2024-01-04", body="![Dog](/static/img/dog.png)\n"),
        "content/posts/e.md": post("Schemeless", "2024-01-05", body='<img src="//cdn.example/e.png" alt="e">\n'),
        "content/posts/f.md": post("Plain", "2024-01-06", body="Words only.\n"),
    })
    build_site(load_site_config(root), BuildOptions(now=NOW))
    large = "summary_large_image"
    assert _og(root, "imported") == ("https://blog.example/img/chart.png", large, "https://blog.example/img/chart.png")
    assert _og(root, "cover") == ("https://blog.example/img/cover.jpg", large, "https://blog.example/img/cover.jpg")
    assert _og(root, "relative")[0] == "https://example.org/planet/posts/relative/cat.png"
    assert _og(root, "rooted")[0] == "https://example.org/planet/static/img/dog.png"
    assert _og(root, "schemeless")[0] == "https://cdn.example/e.png"
    assert _og(root, "plain") == (None, "summary", None)


@pytest.mark.parametrize("title, name, named", [
    ("Ann Lee", "Ann Lee", True),
    ("DEV Community: Ann Lee", "Ann Lee", True),  # Forem's feed title
    ("Ann Lee – Medium", "ann lee", True),
    ("Ann Lee's notes", "Ann Lee", False),  # a blog of hers, with a name of its own
    ("Notes by Ann", "Ann", False),
    ("Plain words", "Pat", False),
])
def test_a_source_named_after_its_author(title: str, name: str, named: bool):
    from generator.site.post_text import is_named

    assert is_named(title, name) is named


@pytest.mark.parametrize("url, host", [
    ("https://dev.to/ann/a-post-1x2", "dev.to"),
    ("https://www.thedmitry.example/post/", "thedmitry.example"),
    ("https://WWW.Blog.Example:8443/p", "blog.example"),
    ("https://xn--bcher-kva.example/x", "bücher.example"),
    ("", ""),
])
def test_the_originals_host_as_a_reader_knows_it(url: str, host: str):
    from generator.site.post_text import host_of

    assert host_of(url) == host
