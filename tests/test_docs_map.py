"""docs/ARCHITECTURE.md stays the true map of generator/: every module is named there."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"
MAP = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def modules() -> list[str]:
    """Every module of generator/ as the map names it (a path from generator/), except the
    commands (one folder row) and packages whose __init__ holds only a docstring."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith("commands/") or (path.name == "__init__.py" and "def " not in path.read_text(encoding="utf-8")):
            continue
        names.append(rel)
    return names


@pytest.mark.parametrize("module", modules())
def test_every_module_is_on_the_map(module):
    assert f"`{module}`" in MAP, f"docs/ARCHITECTURE.md names no `{module}`: add its row (what it owns) to the table of its package"


def test_the_map_names_no_module_that_is_gone():
    named = {name for name in re.findall(r"`((?:\w+/)*\w+\.py)`", MAP) if not name.startswith(("tests/", "bench/"))}
    missing = sorted(name for name in named if not (PACKAGE / name).exists())
    assert not missing, f"docs/ARCHITECTURE.md names modules that do not exist: {missing}"
