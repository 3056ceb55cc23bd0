"""config.py: site.toml loading, defaults, unknown keys and wrong types."""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, fields
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import assume, given
from hypothesis import strategies as st

from generator.config import FEED_KEYS, SITE_KEYS, load_site_config, settings_schema, settings_table
from generator.errors import ConfigError
from generator.models import SiteConfig, setting


def test_missing_site_toml_gives_defaults_and_one_warning(tmp_path: Path, caplog):
    with caplog.at_level(logging.WARNING):
        site = load_site_config(tmp_path)
    assert site.title and site.per_page == 10
    assert [r.message for r in caplog.records if "site.toml" in r.message] != []


def test_values_and_overrides(tmp_path: Path):
    (tmp_path / "site.toml").write_text('title = "T"\nbase_url = "https://x.org/blog"\nper_page = 3\n')
    site = load_site_config(tmp_path, {"base_url": "https://preview.example/"})
    assert (site.title, site.per_page, site.base_url) == ("T", 3, "https://preview.example/")
    assert load_site_config(tmp_path).base_url == "https://x.org/blog/"


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_base_url_override_falls_back_to_site_toml(tmp_path: Path, empty: str):
    # Netlify's $URL is empty on a site not linked yet: `--base-url ""` must not break the build.
    (tmp_path / "site.toml").write_text('base_url = "https://x.org/blog"\n')
    assert load_site_config(tmp_path, {"base_url": empty}).base_url == "https://x.org/blog/"


def test_a_bad_override_is_blamed_on_its_option_not_site_toml(tmp_path: Path):
    (tmp_path / "site.toml").write_text('base_url = "https://x.org/"\n')
    with pytest.raises(ConfigError) as info:
        load_site_config(tmp_path, {"base_url": "notaurl"})
    assert str(info.value).startswith("--base-url: 'notaurl' is not an absolute http(s) URL")
    assert "site.toml" not in str(info.value)


def test_a_missing_root_folder_is_said_so(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        load_site_config(tmp_path / "nowhere")
    assert "no such folder" in str(info.value) and "nowhere" in str(info.value)


@pytest.mark.parametrize(
    "toml, message",
    [
        ('titel = "x"', "site.toml: unknown key 'titel' (did you mean 'title'?)"),
        ("per_page = \"ten\"", "site.toml: key 'per_page' must be an integer, not a string ('ten')"),
        ("per_page = true", "site.toml: key 'per_page' must be an integer, not true or false"),
        ("per_page = 0", "site.toml: key 'per_page' must be at least 1"),
        ('timezone = "Mars/Olympus"', "site.toml: key 'timezone': unknown timezone 'Mars/Olympus'"),
        ('base_url = "example.org"', "site.toml: key 'base_url': 'example.org' is not an absolute http(s) URL"),
        ("title = ", "site.toml: invalid TOML"),
    ],
)
def test_config_errors(tmp_path: Path, toml: str, message: str):
    (tmp_path / "site.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_site_config(tmp_path)
    assert str(info.value).startswith(message)


# ---------------------------------------------------------------- the schema


def test_keys_come_from_the_setting_fields_with_their_toml_type_default_and_doc():
    @dataclass(frozen=True)
    class Record:
        name: str = setting("who")
        sizes: tuple[str, ...] = setting("how big", ())
        limit: int | None = setting("how many", None, minimum=2)
        on: bool = setting("whether", True)
        where: str = ""  # a plain field: not a key

    keys = settings_schema(Record)
    assert list(keys) == ["name", "sizes", "limit", "on"]
    assert [k.kind for k in keys.values()] == [str, list, int, bool]
    assert [k.required for k in keys.values()] == [True, False, False, False]
    assert (keys["limit"].doc, keys["limit"].minimum, keys["on"].default) == ("how many", 2, True)


def test_every_site_config_field_but_root_is_a_documented_key():
    assert set(SITE_KEYS) == {f.name for f in fields(SiteConfig)} - {"root"}
    assert all(key.doc for key in SITE_KEYS.values())
    assert {k.name for k in SITE_KEYS.values() if k.minimum} == {"per_page", "feed_items", "summary_length", "max_article_kb"}


@pytest.mark.parametrize("key", ["per_page", "feed_items", "summary_length", "max_article_kb"])
def test_a_minimum_from_the_schema_is_checked(tmp_path: Path, key: str):
    (tmp_path / "site.toml").write_text(f"{key} = 0\n")
    with pytest.raises(ConfigError, match=f"site.toml: key '{key}' must be at least 1, not 0"):
        load_site_config(tmp_path)


@pytest.mark.parametrize("marker, schema", [("SiteConfig", SITE_KEYS), ("FeedSource", FEED_KEYS)])
def test_the_readme_tables_of_settings_are_the_schemas(marker, schema):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"<!-- settings: {marker} -->\n{settings_table(schema)}" in readme, (
        "README.md's table of settings differs from generator/models.py: run python tools/settings_tables.py"
    )


def test_the_tool_rewrites_a_stale_table_and_leaves_the_rest():
    spec = importlib.util.spec_from_file_location("settings_tables", REPO / "tools" / "settings_tables.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    stale = "# Title\n\n<!-- settings: SiteConfig -->\n| key | default | meaning |\n| `titel` | | old |\n\nAfter.\n"
    assert tool.with_tables(stale) == f"# Title\n\n<!-- settings: SiteConfig -->\n{settings_table(SITE_KEYS)}\nAfter.\n"


_TOML_VALUES = {str: '"text"', int: "7", bool: "true", list: '["a"]', float: "1.5"}


@given(key=st.sampled_from(sorted(SITE_KEYS)), kind=st.sampled_from(sorted(_TOML_VALUES, key=str)))
def test_any_key_given_a_value_of_another_type_is_refused_naming_the_key(tmp_path_factory, key: str, kind: type):
    assume(kind is not SITE_KEYS[key].kind)
    root = tmp_path_factory.mktemp("site")
    (root / "site.toml").write_text(f"{key} = {_TOML_VALUES[kind]}\n")
    with pytest.raises(ConfigError, match=f"^site.toml: key '{key}' must be "):
        load_site_config(root)
