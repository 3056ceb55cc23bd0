"""feeds/*.toml validation: unknown keys, duplicates and bad values are errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import load_feed_sources
from generator.errors import ConfigError


def write(tmp_path, name: str, text: str):
    (tmp_path / name).write_text(text)


def test_valid_feed_with_every_key(tmp_path):
    write(tmp_path, "a.toml", '[[feed]]\nname = "kettle"\nurl = "https://k.example/rss"\ntitle = "Kettle"\n'
          'tags = ["python"]\ninclude = ["python", "re:^Why"]\nexclude = ["links"]\nmax_items = 5\n'
          'platform = "ghost"\nenabled = false\n')
    (source,) = load_feed_sources(tmp_path)
    assert (source.name, source.tags, source.include, source.max_items, source.enabled, source.defined_in) == (
        "kettle", ("python",), ("python", "re:^Why"), 5, False, f"{tmp_path.name}/a.toml")


@pytest.mark.parametrize("table, words", [
    ('name = "a"\nurl = "https://a.example/"\nulr = "x"', "unknown key 'ulr' (did you mean 'url'?)"),
    ('name = "a"', "missing required key 'url'"),
    ('name = "A b"\nurl = "https://a.example/"', "name 'A b' must be lowercase"),
    ('name = "posts"\nurl = "https://a.example/"', "name 'posts' is reserved"),
    ('name = "a"\nurl = "ftp://a.example/"', "must start with http:// or https://"),
    ('name = "a"\nurl = "https://a.example/"\nplatform = "wordpress"', "platform 'wordpress' must be one of"),
    ('name = "a"\nurl = "https://a.example/"\nmax_items = "5"', "key 'max_items' must be an integer, not a string"),
    ('name = "a"\nurl = "https://a.example/"\ntags = ["x", 1]', "every item of 'tags' must be a string"),
    # -1 would keep every item but the oldest (a slice from the end): a minimum from the schema
    ('name = "a"\nurl = "https://a.example/"\nmax_items = -1', "[[feed]] #1: key 'max_items' must be at least 1, not -1"),
    ('name = "a"\nurl = "https://a.example/"\nmax_items = 0', "key 'max_items' must be at least 1, not 0"),
])
def test_bad_table_names_file_and_key(tmp_path, table, words):
    write(tmp_path, "python.toml", f"[[feed]]\n{table}\n")
    with pytest.raises(ConfigError) as info:
        load_feed_sources(tmp_path)
    assert f"{tmp_path.name}/python.toml" in str(info.value) and words in str(info.value)


def test_duplicate_names_across_files(tmp_path):
    write(tmp_path, "a.toml", '[[feed]]\nname = "same"\nurl = "https://a.example/"\n')
    write(tmp_path, "b.toml", '[[feed]]\nname = "same"\nurl = "https://b.example/"\n')
    with pytest.raises(ConfigError, match=r"b.toml: duplicate feed name 'same' \(also in .*a.toml\)"):
        load_feed_sources(tmp_path)


def test_duplicate_urls(tmp_path):
    write(tmp_path, "a.toml", '[[feed]]\nname = "one"\nurl = "https://a.example/"\n'
          '[[feed]]\nname = "two"\nurl = "https://a.example/"\n')
    with pytest.raises(ConfigError, match="duplicate feed url 'https://a.example/'"):
        load_feed_sources(tmp_path)


def test_unknown_top_level_key_and_bad_toml(tmp_path):
    write(tmp_path, "a.toml", '[[feeds]]\nname = "one"\n')
    with pytest.raises(ConfigError, match="unknown key 'feeds' \\(did you mean 'feed'\\?\\)"):
        load_feed_sources(tmp_path)
    write(tmp_path, "a.toml", '[[feed]\nname = "one"\n')
    with pytest.raises(ConfigError, match="a.toml: invalid TOML"):
        load_feed_sources(tmp_path)


def test_the_default_config_subscribes_to_the_three_sources():
    from pathlib import Path

    feeds = load_feed_sources(Path(__file__).resolve().parents[1] / "feeds")
    assert [(f.name, f.url, f.platform) for f in feeds] == [
        ("derricktab", "https://forem.com/feed/derricktab", "forem"),
        ("thedmitry", "https://thedmitry.pw/rss/", "ghost"),
        ("piccolo", "https://piccolo-orm.com/feed.xml", "gridsome"),
    ]


@pytest.mark.parametrize("key", ["include", "exclude"])
def test_an_invalid_filter_regex_is_found_on_loading_so_build_says_so_too(tmp_path: Path, key: str):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "feeds.toml").write_text(f'[[feed]]\nname = "a"\nurl = "https://a.example/"\n{key} = ["python", "re:(unclosed"]\n')
    with pytest.raises(ConfigError) as info:
        load_feed_sources(feeds)
    assert str(info.value).startswith(f"feeds/feeds.toml [[feed]] #1: {key} regex '(unclosed' is invalid")


def test_the_shipped_feeds_are_python_blogs_tagged_python():
    shipped = load_feed_sources(Path(__file__).resolve().parents[1] / "feeds")
    assert shipped, "feeds/feeds.toml follows no feed"
    assert all("python" in source.tags for source in shipped), [(s.name, s.tags) for s in shipped]
    assert all(source.platform and source.title for source in shipped)  # as 'feeds add' writes them
