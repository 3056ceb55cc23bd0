"""Writing article files: one article's text, and imported articles stored under ``content/``.

``dump_article`` writes the front matter keys in ``Article``'s order, in a stable YAML
style, so the same article always gives the same bytes. ``write_article`` stores an
imported article atomically; it is found again by its ``guid`` (``GuidIndex``), so a
re-fetch of an unchanged item writes nothing and a changed one rewrites the same file,
keeping its slug (its URL) and an author's cross-post decisions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from generator.content.frontmatter import FRONT_MATTER_FIELDS, front_text, load_front_matter
from generator.content.names import article_filename, slugify
from generator.content.read import as_references
from generator.files import atomic_write
from generator.models import Article

__all__ = ["dump_article", "write_article", "GuidIndex", "WriteOutcome", "WriteResult"]

# Keys an author may add to an imported file that the feed's updates never undo.
AUTHOR_DECISIONS = ("copy_of", "not_copy_of")


def _format_date(value: dt.datetime) -> str:
    if value.utcoffset() == dt.timedelta(0):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat(timespec="seconds")


def _dump_value(key: str, value: Any) -> str:
    """One ``key: value`` line (or block) in a stable YAML style."""
    if isinstance(value, dt.datetime):
        return f"{key}: {_format_date(value)}\n"
    flow = isinstance(value, (list, tuple))
    data = {key: list(value) if flow else value}
    return yaml.safe_dump(
        data, default_flow_style=None if flow else False, allow_unicode=True, sort_keys=False, width=10_000
    )


def _front_matter_pairs(article: Article) -> list[tuple[str, Any]]:
    """The keys to write: every front matter field with a value (empty ones left out but
    those marked ``always``), then the author's own keys as they were."""
    own = [(f.name, getattr(article, f.name)) for f in FRONT_MATTER_FIELDS if _written(f, getattr(article, f.name))]
    return own + [(k, v) for k, v in article.extra if v not in (None, "", [])]


def _written(f: dataclasses.Field[Any], value: Any) -> bool:
    return bool(f.metadata["always"]) or value not in (None, "", (), False)


def dump_article(article: Article) -> str:
    """The full text of an article file; the same article always gives the same text."""
    front = "".join(_dump_value(k, v) for k, v in _front_matter_pairs(article))
    body = article.body if article.body.endswith("\n") or not article.body else article.body + "\n"
    return f"---\n{front}---\n{body}"


class GuidIndex:
    """Finds the file an imported article already has, by ``(source, guid)``."""

    def __init__(self, content_dir: Path):
        self.content_dir = content_dir
        self._by_source: dict[str, dict[str, Path]] = {}

    def lookup(self, source: str, guid: str) -> Path | None:
        if source not in self._by_source:
            self._by_source[source] = self._scan(source)
        return self._by_source[source].get(guid)

    def remember(self, source: str, guid: str, path: Path) -> None:
        # not setdefault(source, self._scan(source)): that rescans the folder on every
        # write, quadratic in the items of a feed
        if source not in self._by_source:
            self._by_source[source] = self._scan(source)
        self._by_source[source][guid] = path

    def _scan(self, source: str) -> dict[str, Path]:
        found: dict[str, Path] = {}
        folder = self.content_dir / source
        for file in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            match = re.search(r"^guid:\s*(.+)$", front_text(file), re.MULTILINE)
            if match:
                found[str(yaml.safe_load(match.group(1)))] = file
        return found


WriteOutcome = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class WriteResult:
    outcome: WriteOutcome
    path: Path


def write_article(content_dir: Path, article: Article, index: GuidIndex | None = None) -> WriteResult:
    """Write an imported article under ``content/<source>/``; unchanged bytes are not rewritten.

    The file keeps its name once written (found by guid), so a title change does not
    leave a duplicate behind.
    """
    folder = content_dir / (article.source or "posts")
    index = index or GuidIndex(content_dir)
    existing = index.lookup(article.source, article.guid) if article.guid else None
    target = existing or _free_name(folder, article_filename(article))
    if existing is not None:
        article = _keep_decisions(article, existing)
    # A file carries its URL: a new one gets its slug written, an existing one keeps its own
    # (or none, as written before slugs were): the URL never moves with a changed title.
    slug = _file_slug(existing) if existing is not None else (article.slug or slugify(article.title, article.guid))
    data = dump_article(dataclasses.replace(article, slug=slug)).encode("utf-8")
    if existing is not None:
        if existing.read_bytes() == data:
            return WriteResult("unchanged", existing)
        atomic_write(existing, data)
        return WriteResult("updated", existing)
    atomic_write(target, data)
    if article.guid:
        index.remember(article.source, article.guid, target)
    return WriteResult("new", target)


def _file_slug(file: Path) -> str:
    """The ``slug:`` an article file gives, or ""."""
    match = re.search(r"^slug:\s*(.+)$", front_text(file), re.MULTILINE)
    return slugify(str(yaml.safe_load(match.group(1)))) if match else ""


def _keep_decisions(article: Article, existing: Path) -> Article:
    """An author's cross-post decisions (``copy_of``, ``not_copy_of``) in an imported
    file outlive the feed's updates to it."""
    try:
        meta = load_front_matter(front_text(existing)) or {}
        kept = {key: as_references(meta.get(key)) for key in AUTHOR_DECISIONS}
    except (yaml.YAMLError, ValueError, AttributeError):
        return article
    if not any(kept.values()):
        return article
    return dataclasses.replace(article, copy_of=kept["copy_of"], not_copy_of=kept["not_copy_of"])


def _free_name(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name-2.md``, ``-3``... when taken (same day, same title)."""
    candidate = folder / name
    stem = name[:-3]
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.md"
        n += 1
    return candidate
