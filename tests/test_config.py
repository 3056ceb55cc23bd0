"""config.py: site.toml loading, defaults, unknown keys and wrong types."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from generator.config import load_site_config
from generator.errors import ConfigError


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
