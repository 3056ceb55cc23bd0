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


@pytest.mark.parametrize(
    "toml, message",
    [
        ('titel = "x"', "site.toml: unknown key 'titel' (did you mean 'title'?)"),
        ("per_page = \"ten\"", "site.toml: key 'per_page' must be a int, not str ('ten')"),
        ("per_page = true", "site.toml: key 'per_page' must be a int"),
        ("per_page = 0", "site.toml: key 'per_page' must be at least 1"),
        ('timezone = "Mars/Olympus"', "site.toml: unknown timezone 'Mars/Olympus'"),
        ('base_url = "example.org"', "site.toml: base_url 'example.org' must be an absolute http(s) URL"),
        ("title = ", "site.toml: invalid TOML"),
    ],
)
def test_config_errors(tmp_path: Path, toml: str, message: str):
    (tmp_path / "site.toml").write_text(toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_site_config(tmp_path)
    assert str(info.value).startswith(message)
