"""Rewrite README.md's tables of settings from their one source, the ``setting`` fields of
``SiteConfig`` and ``FeedSource`` (generator/models.py); run after changing a setting.

    python tools/settings_tables.py

Each table follows a line ``<!-- settings: SiteConfig -->`` (or ``FeedSource``) in the
README; ``tests/test_config.py`` fails while a table differs from what this writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.config import FEED_KEYS, SITE_KEYS, settings_table  # noqa: E402

TABLES = {"SiteConfig": SITE_KEYS, "FeedSource": FEED_KEYS}
# The marker line, then the table: lines that start with '|'.
TABLE_AFTER_MARKER = re.compile(r"(?m)^<!-- settings: (\w+) -->\n((?:\|.*\n)*)")


def with_tables(readme: str) -> str:
    """``readme`` with every marked table replaced by the schema's."""
    return TABLE_AFTER_MARKER.sub(lambda m: f"<!-- settings: {m[1]} -->\n{settings_table(TABLES[m[1]])}", readme)


def main() -> None:
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = with_tables(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
    print("README.md:", "tables rewritten" if new != old else "tables already up to date")


if __name__ == "__main__":
    main()
