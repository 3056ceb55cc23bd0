"""Golden files: fixture feed -> parse_feed -> normalise_entry -> content.dump_article.

Refresh after an intended change with:

    UPDATE_GOLDEN=1 python -m pytest tests/test_normalise_golden.py

then review the diff of tests/golden/normalise/ before committing it.
"""

from __future__ import annotations

import os

import pytest
from normalise_helpers import FIXTURE_FILES, GOLDEN, fixture_entries, source_for

from generator.content import dump_article
from generator.normalise import normalise_entry

CASES = [(path, n) for path in FIXTURE_FILES for n in range(len(fixture_entries(path)))]


@pytest.mark.parametrize("path,index", CASES, ids=[f"{p.stem}-{n}" for p, n in CASES])
def test_golden(path, index):
    entry = fixture_entries(path)[index]
    text = dump_article(normalise_entry(entry, source_for(path)))
    golden = GOLDEN / entry.platform / f"{path.stem}-{index}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing {golden}: run UPDATE_GOLDEN=1 python -m pytest tests/test_normalise_golden.py"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path,index", CASES, ids=[f"{p.stem}-{n}" for p, n in CASES])
def test_same_entry_gives_identical_bytes(path, index):
    first = dump_article(normalise_entry(fixture_entries(path)[index], source_for(path)))
    second = dump_article(normalise_entry(fixture_entries(path)[index], source_for(path)))
    assert first == second
