"""generator/content/: front matter parsing, errors with file and line, slugs, writing articles."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import REPO, read_articles
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.content import (
    FRONT_MATTER_KEYS,
    GuidIndex,
    dump_article,
    filter_published,
    parse_article,
    slugify,
    write_article,
)
from generator.errors import ContentError, ContentErrors
from generator.models import Article

UTC = dt.timezone.utc


def test_parse_full_front_matter():
    text = "---\ntitle: Hello\ndate: 2024-03-01T10:00:00+02:00\nupdated: 2024-03-02\ntags: [a, b]\nsummary: S\nauthor: Ann\ndraft: true\nslug: Custom Slug\n---\nBody *x*\n"
    a = parse_article(text, "posts/x.md")
    assert a.title == "Hello"
    assert a.date == dt.datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert a.updated == dt.datetime(2024, 3, 2, tzinfo=UTC)
    assert a.tags == ("a", "b") and a.summary == "S" and a.author == "Ann"
    assert a.draft is True and a.slug == "custom-slug" and a.body == "Body *x*\n"


@pytest.mark.parametrize(
    ("original_url", "image", "want_url", "want_image"),
    [
        ("javascript:alert(1)", "javascript:alert(2)", "", ""),
        ("'data:text/html,<script>alert(1)</script>'", "'data:image/svg+xml,<svg onload=alert(1)>'", "", ""),
        ("https://blog.example/a b", "/images/a b.png", "https://blog.example/a%20b", "/images/a%20b.png"),
        ("/relative/original", "https://cdn.example/x.png", "", "https://cdn.example/x.png"),
    ],
)
def test_urls_read_from_front_matter_are_web_urls_or_nothing(original_url, image, want_url, want_image):
    # a hand-edited file, or one written by older code: its page must not get a script link
    text = f"---\ntitle: T\ndate: 2024-03-01\nsource: blog\noriginal_url: {original_url}\nimage: {image}\n---\nBody\n"
    article = parse_article(text, "blog/x.md")
    assert (article.original_url, article.image) == (want_url, want_image)


def test_naive_date_is_in_site_timezone_and_bare_date_allowed():
    paris = ZoneInfo("Europe/Paris")
    a = parse_article("---\ntitle: T\ndate: 2024-07-01 12:00\n---\n", "p.md", paris)
    assert a.date.utcoffset() == dt.timedelta(hours=2)
    b = parse_article("---\ntitle: T\ndate: 2024-07-01\n---\n", "p.md", paris)
    assert (b.date.year, b.date.hour, b.date.tzinfo) == (2024, 0, paris)


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("---\ntitle: x\ndate: [\n---\n", 3, "invalid YAML"),
        ("---\ntitle: \"open quote\ndate: 2024-01-01\nsummary: s\n---\n", 2, "the quote opened here is not closed"),
        ("---\ntitle: x\ntags: [a, b\nsummary: s\n---\n", 3, "the bracket opened here is not closed"),
        ("---\ntitle: x\nsummary: a: b\n---\n", 3, "mapping values are not allowed"),
        ("---\ndate: 2024-01-01\n---\n", 1, "missing 'title'"),
        ("---\ntitle: x\n---\n", 1, "missing 'date'"),
        ("---\ntitle: x\nauthor: a\ndate: 2024-13-45\n---\n", 4, "bad 'date'"),
        ("---\ntitle: x\ndate: yesterday\n---\n", 3, "write a date such as 2026-01-31 or 2026-01-31T09:30:00Z"),
        ("---\ntitle: x\ndate: 2024-01-01\ntags: python\n---\n", 4, "'tags' must be a list"),
        ("---\ntitle: x\ndate: 2024-01-01\ndraft: maybe\n---\n", 4, "'draft' must be true or false"),
        ("no front matter\n", 1, "no front matter"),
        ("---\ntitle: x\n", 1, "not closed"),
    ],
)
def test_bad_front_matter_names_file_and_line(text, line, words):
    with pytest.raises(ContentError) as info:
        parse_article(text, "posts/bad.md")
    assert info.value.line == line
    assert str(info.value).startswith(f"posts/bad.md:{line}: ")
    assert words in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    before=st.integers(min_value=0, max_value=6),
    after=st.integers(min_value=0, max_value=6),
    opener=st.sampled_from(['"unclosed', "'unclosed", "[a, b", "{a: 1", "[x, [y]"]),
)
def test_an_unclosed_quote_or_bracket_is_reported_on_its_own_line(before: int, after: int, opener: str):
    lines = [f"k{i}: v{i}" for i in range(before)] + [f"broken: {opener}"] + [f"m{i}: w{i}" for i in range(after)]
    with pytest.raises(ContentError) as info:
        parse_article("---\n" + "\n".join(lines) + "\n---\nbody\n", "p.md")
    assert info.value.line == before + 2  # the '---' is line 1


def test_load_reports_every_bad_file(tmp_path: Path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "good.md").write_text("---\ntitle: ok\ndate: 2024-01-01\n---\n")
    (posts / "bad1.md").write_text("---\ntitle: x\n---\n")
    (posts / "bad2.md").write_bytes(b"---\ntitle: \xff\n---\n")
    with pytest.raises(ContentErrors) as info:
        read_articles(tmp_path / "content")
    messages = [str(e) for e in info.value.errors]
    assert len(messages) == 2
    assert any(m.startswith("content/posts/bad1.md:1: missing 'date'") for m in messages)
    assert any(m.startswith("content/posts/bad2.md: not UTF-8") for m in messages)


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "con", "aux", "x" * 300, "😀🎉", "שלום עולם", "مرحبا", "Hello", "HELLO", "", "a/b\\c", ".hidden"],
)
def test_slugs_are_safe(title):
    slug = slugify(title)
    assert slug and len(slug) <= 80
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith(("-", ".")) and slug not in {"con", "aux", "nul", "prn"}


def test_slugs_distinct_for_different_non_latin_titles_and_stable():
    assert slugify("😀🎉") != slugify("שלום עולם")
    assert slugify("😀🎉") == slugify("😀🎉")


def _article(**kw) -> Article:
    base = dict(title="Title: with colon", date=dt.datetime(2025, 2, 14, 19, 7, 32, tzinfo=UTC),
                body="Text\n\n```py\n\tx = 1  \n```\n", tags=("a", "b c"), source="feed", guid="g-1",
                original_url="https://example.org/p", author="Ann", summary="it's: fine", platform="ghost")
    base.update(kw)
    return Article(**base)


def test_dump_then_parse_round_trips():
    a = _article()
    text = dump_article(a)
    assert text.startswith("---\ntitle: 'Title: with colon'\ndate: 2025-02-14T19:07:32Z\n")
    b = parse_article(text, "feed/x.md")
    assert b == Article(**{**a.__dict__, "path": "feed/x.md"})


_TEXT = st.text(st.sampled_from("abcxyz ABC019-_.,:;'\"#&*!?[]{}()/\\é€"), min_size=1, max_size=20).map(str.strip).filter(bool)
_DATES = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2090, 1, 1)).map(lambda d: d.replace(microsecond=0, tzinfo=UTC))
_PATHS = st.lists(st.from_regex(r"[a-z]{1,8}/[a-z0-9-]{1,12}\.md", fullmatch=True), max_size=3, unique=True).map(tuple)


@st.composite
def _full_articles(draw) -> Article:
    """An article with a value in every front matter field (and keys of the author's own)."""
    values = dict(
        title=draw(_TEXT), date=draw(_DATES), updated=draw(_DATES), author=draw(_TEXT), source=draw(_TEXT),
        platform=draw(_TEXT), original_url="https://example.org/" + draw(st.from_regex(r"[a-z0-9/]{0,12}", fullmatch=True)),
        guid=draw(_TEXT), tags=tuple(draw(st.lists(_TEXT, min_size=1, max_size=4, unique=True))), summary=draw(_TEXT),
        image="/static/" + draw(st.from_regex(r"[a-z0-9]{1,8}\.png", fullmatch=True)), slug=slugify(draw(_TEXT)),
        draft=draw(st.booleans()), copy_of=draw(_PATHS), not_copy_of=draw(_PATHS),
    )
    extra = (("series", draw(_TEXT)), ("weight", draw(st.integers(0, 99))))
    return Article(**values, body=draw(_TEXT) + "\n", path="feed/x.md", extra=extra)


@given(_full_articles())
@settings(max_examples=60, deadline=None)
def test_every_front_matter_field_is_written_in_articles_order_and_read_back(article: Article):
    text = dump_article(article)
    written = re.findall(r"(?m)^(\w+):", text.split("\n---\n", 1)[0])
    known = [k for k in written if k in FRONT_MATTER_KEYS]
    expected = [f.name for f in fields(Article) if "front_matter" in f.metadata and (getattr(article, f.name) or f.name == "tags")]
    assert known == expected and written[len(known):] == ["series", "weight"]
    assert parse_article(text, article.path) == article


def test_empty_front_matter_fields_are_left_out_but_tags():
    text = dump_article(Article(title="T", date=dt.datetime(2024, 1, 1, tzinfo=UTC), body="x\n"))
    assert text == "---\ntitle: T\ndate: 2024-01-01T00:00:00Z\ntags: []\n---\nx\n"


def test_write_article_new_unchanged_updated(tmp_path: Path):
    index = GuidIndex(tmp_path)
    first = write_article(tmp_path, _article(), index)
    assert first.outcome == "new" and first.path.name == "2025-02-14-title-with-colon.md"
    mtime = first.path.stat().st_mtime_ns
    again = write_article(tmp_path, _article(), GuidIndex(tmp_path))
    assert again.outcome == "unchanged" and again.path.stat().st_mtime_ns == mtime
    changed = write_article(tmp_path, _article(title="New title", body="Changed\n"), GuidIndex(tmp_path))
    assert changed.outcome == "updated" and changed.path == first.path  # same file, no duplicate
    assert "New title" in first.path.read_text()
    assert len(list((tmp_path / "feed").glob("*.md"))) == 1


def test_cross_post_overrides_parse_and_outlive_feed_updates(tmp_path: Path):
    text = dump_article(_article(copy_of=("devto/2025-02-15-title.md",), not_copy_of=("https://m.example/a", "x/b.md")))
    assert "copy_of: [devto/2025-02-15-title.md]\nnot_copy_of: ['https://m.example/a', x/b.md]\n---\n" in text
    parsed = parse_article(text, "feed/x.md")
    assert parsed.copy_of == ("devto/2025-02-15-title.md",) and parsed.not_copy_of == ("https://m.example/a", "x/b.md")
    assert parse_article("---\ntitle: T\ndate: 2025-01-01\ncopy_of: a/b.md\n---\n", "p.md").copy_of == ("a/b.md",)
    with pytest.raises(ContentError, match=r"p.md:4: bad 'not_copy_of': expected a content path or URL"):
        parse_article("---\ntitle: T\ndate: 2025-01-01\nnot_copy_of: {a: 1}\n---\n", "p.md")
    # An author's override in an imported file survives the feed updating the item
    path = write_article(tmp_path, _article(), GuidIndex(tmp_path)).path
    path.write_text(path.read_text().replace("\n---\n", "\nnot_copy_of: [devto/x.md]\n---\n", 1))
    assert write_article(tmp_path, _article(), GuidIndex(tmp_path)).outcome == "unchanged"
    assert write_article(tmp_path, _article(body="Changed\n"), GuidIndex(tmp_path)).outcome == "updated"
    assert parse_article(path.read_text(), "feed/x.md").not_copy_of == ("devto/x.md",) and "Changed" in path.read_text()


def test_same_title_same_day_gets_distinct_files(tmp_path: Path):
    index = GuidIndex(tmp_path)
    a = write_article(tmp_path, _article(guid="1"), index)
    b = write_article(tmp_path, _article(guid="2"), index)
    assert a.path != b.path and b.path.name.endswith("-2.md")


def test_guid_index_reads_a_folder_once_however_many_articles_it_writes(tmp_path: Path, monkeypatch):
    """Each write used to rescan the feed's folder: quadratic in the items of a feed."""
    write_article(tmp_path, _article(guid="old"), GuidIndex(tmp_path))
    reads = []
    original = GuidIndex._scan
    monkeypatch.setattr(GuidIndex, "_scan", lambda self, source: reads.append(source) or original(self, source))
    index = GuidIndex(tmp_path)
    for n in range(20):
        write_article(tmp_path, _article(guid=f"g{n}", title=f"Title {n}"), index)
    assert reads == ["feed"]
    assert write_article(tmp_path, _article(guid="g7", title="Title 7"), index).outcome == "unchanged"
    assert index.lookup("feed", "old") is not None


def test_filter_drafts_and_future():
    now = dt.datetime(2025, 1, 1, tzinfo=UTC)
    posts = [_article(guid="a"), _article(guid="d", draft=True), _article(guid="f", date=now + dt.timedelta(days=1))]
    posts[0] = _article(guid="a", date=now - dt.timedelta(days=1))
    posts[1] = _article(guid="d", draft=True, date=now - dt.timedelta(days=1))
    assert [p.guid for p in filter_published(posts, now, False, False)] == ["a"]
    assert [p.guid for p in filter_published(posts, now, True, True)] == ["a", "d", "f"]


def test_article_files_skip_hidden_and_non_markdown(tmp_path: Path):
    from generator.files import article_files

    for rel in ["posts/b.md", "posts/a.md", "feed/x.md", ".git/y.md", "posts/.a.md.swp", "posts/.hidden.md", "posts/notes.txt", "z.md"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert article_files(tmp_path) == ["feed/x.md", "posts/a.md", "posts/b.md", "z.md"]


@pytest.mark.parametrize(
    "key, meant",
    [
        ("darft", "draft"), ("Draft", "draft"), ("titel", "title"), ("tag", "tags"), ("Tags", "tags"),
        ("summray", "summary"), ("orginal-url", "original_url"), ("original-url", "original_url"),
        ("udpated", "updated"), ("authors", "author"), ("images", "image"), ("slgu", "slug"),
    ],
)
def test_a_misspelt_key_is_an_error_naming_the_key_meant_and_its_line(key, meant):
    text = f"---\ntitle: T\ndate: 2024-01-01\n{key}: true\n---\nBody\n"
    if key in ("titel",):
        text = f"---\n{key}: T\ndate: 2024-01-01\n---\nBody\n"
    with pytest.raises(ContentError) as info:
        parse_article(text, "posts/x.md")
    message = str(info.value)
    assert message.startswith(f"posts/x.md:{2 if key == 'titel' else 4}: unknown key {key!r}"), message
    assert f"did you mean {meant!r}?" in message


@pytest.mark.parametrize("key", ["series", "weight", "canonical_url", "id", "layout", "toc", "lang", "subtitle", "params"])
def test_other_unknown_keys_are_kept_in_order(key):
    value = "{a: 1}" if key == "params" else "'x'"
    a = parse_article(f"---\ntitle: T\ndate: 2024-01-01\n{key}: {value}\nweight2: 3\n---\nB\n", "p.md")
    assert [k for k, _ in a.extra] == [key, "weight2"]
    assert parse_article(dump_article(a), "p.md").extra == a.extra


def test_params_must_be_a_mapping():
    with pytest.raises(ContentError, match=r"p\.md:4: 'params' must be 'key: value' lines"):
        parse_article("---\ntitle: T\ndate: 2024-01-01\nparams: [a, b]\n---\n", "p.md")


def test_a_draft_with_a_misspelt_draft_key_is_never_published(tmp_path: Path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "secret.md").write_text("---\ntitle: Secret\ndate: 2024-01-01\ndarft: true\n---\nNot yet.\n")
    with pytest.raises(ContentErrors) as info:
        read_articles(tmp_path / "content")
    assert "content/posts/secret.md:4: unknown key 'darft' (did you mean 'draft'?" in str(info.value)


# ---------------------------------------------------------------- text YAML decodes but no page can carry


def test_an_escaped_surrogate_pair_is_the_character_it_stands_for():
    # how json.dumps writes an emoji, and so how many tools write front matter
    text = '---\ntitle: "Emoji \\ud83d\\ude80 title"\ndate: 2024-01-01\ntags: ["\\ud83d\\udc0d"]\nextra: {"k\\ud83d\\ude80": ["\\ud83d\\ude80"]}\n---\nx\n'
    a = parse_article(text, "posts/e.md")
    assert a.title == "Emoji \U0001F680 title" and a.tags == ("\U0001F40D",)
    assert dict(a.extra)["extra"] == {"k\U0001F680": ["\U0001F680"]}
    a.title.encode("utf-8")


@pytest.mark.parametrize(
    "line, number, words",
    [
        ('title: "Lone \\ud800 surrogate"', 2, "lone surrogate \\ud800"),
        ('title: "Low half first \\ude80\\ud83d"', 2, "lone surrogate"),
        ('summary: "a NUL \\0 here"', 4, "U+0000"),
        ('author: "bell \\a"', 4, "U+0007"),
        ('tags: [ok, "\\x01"]', 4, "U+0001"),
        ('extra: {"\\udfff": 1}', 4, "lone surrogate"),
        ('summary: "non-character \\uffff"', 4, "U+FFFF"),
    ],
)
def test_text_no_page_can_carry_is_an_error_naming_file_and_line(line, number, words):
    first, rest = (line, "date: 2024-01-01\n") if line.startswith("title") else ("title: T", f"date: 2024-01-01\n{line}\n")
    with pytest.raises(ContentError) as info:
        parse_article(f"---\n{first}\n{rest}---\nx\n", "posts/bad.md")
    message = str(info.value)
    assert message.startswith(f"posts/bad.md:{number}: bad ") and words in message


def test_control_characters_in_the_body_become_replacement_characters():
    a = parse_article("---\ntitle: T\ndate: 2024-01-01\n---\na\x00b\x01c\td\x0ce\u202ef\n", "posts/b.md")
    assert a.body == "a\ufffdb\ufffdc\td\ufffde\u202ef\n"  # tabs and bidi controls are text


@st.composite
def _one_typo(draw) -> str:
    """A known key with one letter dropped, added, changed or two swapped (or its case changed)."""
    from generator.content import FRONT_MATTER_KEYS

    key = draw(st.sampled_from(FRONT_MATTER_KEYS))
    i = draw(st.integers(0, len(key) - 1))
    letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"))
    kind = draw(st.sampled_from(["drop", "add", "change", "swap", "case"]))
    if kind == "drop":
        typo = key[:i] + key[i + 1:]
    elif kind == "add":
        typo = key[:i] + letter + key[i:]
    elif kind == "change":
        typo = key[:i] + letter + key[i + 1:]
    elif kind == "swap":
        typo = key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:] if i + 1 < len(key) else key.upper()
    else:
        typo = key.title()
    assume(typo not in FRONT_MATTER_KEYS and typo.strip() and not typo.startswith("_"))
    return typo


@given(_one_typo())
def test_any_one_typo_of_a_known_key_is_an_error_with_a_suggestion(typo):
    with pytest.raises(ContentError, match=r"unknown key .* \(did you mean '[a-z_]+'\?"):
        parse_article(f"---\ntitle: T\ndate: 2024-01-01\n{typo}: 1\n---\n", "p.md")


def test_the_readme_documents_every_front_matter_key():
    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Writing posts\n", 1)[1].split("\n## ", 1)[0]
    missing = [k for k in FRONT_MATTER_KEYS if f"\n{k}:" not in section and f"`{k}`" not in section]
    assert not missing, f"README.md's 'Writing posts' says nothing of {missing}"
