"""Article files: reading and writing ``content/**/*.md`` (YAML front matter + Markdown).

This module owns the file format and the slug rules:

- ``load_articles`` reads every article under ``content/`` and reports *every* bad file
  (with its line) in one :class:`~generator.errors.ContentErrors`;
- ``dump_article`` / ``write_article`` write one article deterministically and
  atomically; an imported article is found again by its ``guid``, so a re-fetch of an
  unchanged item writes nothing and a changed one rewrites the same file;
- ``slugify`` turns any title into a safe, deterministic path segment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Literal
from zoneinfo import ZoneInfo

import yaml
from rapidfuzz.distance import OSA

from generator.errors import ContentError, ContentErrors
from generator.files import article_files, atomic_write
from generator.models import Article
from generator.urls import http_url, page_url

__all__ = [
    "slugify",
    "parse_article",
    "load_articles",
    "parse_article_bytes",
    "read_body",
    "dump_article",
    "write_article",
    "article_filename",
    "GuidIndex",
    "WriteOutcome",
]

FRONT_MATTER_KEYS = (
    "title", "date", "updated", "author", "source", "platform", "original_url", "guid",
    "tags", "summary", "image", "slug", "draft", "copy_of", "not_copy_of",
)
# An author's own keys, never checked for typos; with every other unknown key they are
# offered to templates as ``post.params`` (as Hugo's are).
PARAMS_KEY = "params"
# ``date_unknown: true``: the feed gave the item no date; ``date`` is a stand-in that keeps
# it below every dated article (parse.py), and pages show no publication date for it.
DATE_UNKNOWN = "date_unknown"
MAX_SLUG = 80
# Names Windows refuses as file names, whatever the extension.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


# ---------------------------------------------------------------- slugs


def slugify(text: str, fallback_seed: str = "") -> str:
    """A lowercase ASCII slug of at most 80 characters, safe as a file and URL segment.

    Accents are folded (``café`` -> ``cafe``); text with no Latin letters at all (emoji,
    Arabic, Chinese) gets ``post-<hash>`` so that it is still distinct and stable.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] or slug[:MAX_SLUG]
    if not slug:
        digest = hashlib.sha1((text or fallback_seed).encode("utf-8")).hexdigest()[:10]
        return f"post-{digest}"
    if slug in RESERVED_NAMES:
        slug = f"{slug}-post"
    return slug


def article_filename(article: Article) -> str:
    """``<yyyy-mm-dd>-<slug>.md``: the name a new article file gets."""
    slug = article.slug or slugify(article.title, article.guid)
    return f"{article.date.strftime('%Y-%m-%d')}-{slug}.md"


# ---------------------------------------------------------------- reading


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so a bad date is reported on its own line."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# libyaml's parser, when PyYAML has it, with the same resolvers: 8 times faster (0.3 ms
# per post). Bad front matter is parsed again by the pure-Python loader, whose error
# messages are the ones users see.
_FastFrontMatterLoader = type("_FastFrontMatterLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})
_FastFrontMatterLoader.yaml_implicit_resolvers = _FrontMatterLoader.yaml_implicit_resolvers


def _load_front_matter(front: str):
    try:
        return yaml.load(front, Loader=_FastFrontMatterLoader)
    except yaml.YAMLError:
        return yaml.load(front, Loader=_FrontMatterLoader)


def _split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise ValueError("no front matter: the file must start with a line '---'")
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise ValueError("front matter is not closed: add a line '---' after it")


def _key_line(front: str, key: str) -> int:
    """The file line (1-based) where ``key:`` appears in the front matter, else 1."""
    for number, line in enumerate(front.splitlines(), start=2):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


def _misspelt(key: Any) -> str | None:
    """The known key ``key`` is most likely a typo of, else None.

    A typo is the same key but for case or ``-`` for ``_``, or one edit away (a letter
    added, dropped, changed, or two swapped: ``darft``), two for keys of six letters or
    more. Further away, a key is the author's own (``series``, ``weight``): kept.
    """
    if not isinstance(key, str) or key == PARAMS_KEY:
        return None
    folded = key.strip().lower().replace("-", "_")
    nearest = min(FRONT_MATTER_KEYS, key=lambda known: (OSA.distance(folded, known), known))
    allowed = 1 if len(nearest) <= 5 else 2
    return nearest if OSA.distance(folded, nearest) <= allowed else None


def _check_unknown_keys(meta: dict, path: str, front: str) -> None:
    """A misspelt known key is an error: ``darft: true`` would otherwise publish a draft."""
    for key in meta:
        if key in FRONT_MATTER_KEYS:
            continue
        meant = _misspelt(key)
        if meant is not None:
            raise ContentError(path, f"unknown key {key!r} (did you mean {meant!r}? a key of your own can go under '{PARAMS_KEY}:')", _key_line(front, str(key)))
    if PARAMS_KEY in meta and not isinstance(meta[PARAMS_KEY], dict):
        raise ContentError(path, f"'{PARAMS_KEY}' must be 'key: value' lines, indented under it", _key_line(front, PARAMS_KEY))


def _to_datetime(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """YAML gives a datetime, a date or a string; make it aware (site zone when naive)."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        result = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"expected a date such as 2026-01-31 or 2026-01-31T09:30:00Z, got {value!r}")
    return result if result.tzinfo else result.replace(tzinfo=tz)


def _as_text(value: Any, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError(f"{key!r} must be text, not a {type(value).__name__}")
    return str(value)


def _as_tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, (str, int, float)) and not isinstance(t, bool) for t in value):
        raise ValueError("'tags' must be a list such as [python, web]")
    return tuple(dict.fromkeys(str(t).strip() for t in value if str(t).strip()))


def _yaml_problem(exc: yaml.YAMLError, front: str) -> tuple[int, str]:
    """The file line to fix (1-based) and the problem in words.

    PyYAML marks where it noticed the problem; for a quote or bracket left open that is
    the next line or the end of the front matter, one line or more after the mistake.
    Its context mark is where the open quote or bracket is: that is the line to name;
    and a problem noticed at the end is on the last line that has something on it.
    """
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    if context_mark is not None and context.startswith(("while scanning a quoted", "while parsing a flow sequence", "while parsing a flow mapping")):
        opened = "quote" if "quoted" in context else "bracket"
        return context_mark.line + 2, f"{problem}: the {opened} opened here is not closed"
    if problem_mark is None:
        return 1, problem
    index = problem_mark.line
    if "end" in problem and problem_mark.column == 0:  # noticed at the end: blame the last written line
        lines = front.splitlines()
        index = min(index, len(lines)) - 1
        while index > 0 and not lines[index].strip():
            index -= 1
    return max(index, 0) + 2, problem


def _as_references(value: Any) -> tuple[str, ...]:
    """``copy_of`` / ``not_copy_of``: one content path or URL, or a list of them."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise ValueError("expected a content path or URL, or a list of them, such as [devto/2024-01-05-title.md]")
    return tuple(dict.fromkeys(v.strip() for v in items if v.strip()))


def parse_article(text: str, path: str, tz: dt.tzinfo = dt.timezone.utc) -> Article:
    """Parse one article file's text; raise ContentError naming ``path`` and the line."""
    try:
        front, body, _ = _split_front_matter(text)
    except ValueError as exc:
        raise ContentError(path, str(exc), 1) from None
    try:
        meta = _load_front_matter(front) or {}
    except yaml.YAMLError as exc:
        line, problem = _yaml_problem(exc, front)
        raise ContentError(path, f"invalid YAML front matter: {problem}", line) from None
    if not isinstance(meta, dict):
        raise ContentError(path, "front matter must be 'key: value' lines", 2)
    meta = {_writable(key, key, path, front): _writable(value, key, path, front) for key, value in meta.items()}
    return _article_from_meta(meta, body, path, front, tz)


# Text no page or feed can carry: C0 controls but tab and newlines (XML 1.0 forbids them;
# NUL ends strings in C), and the non-characters U+FFFE/U+FFFF. Surrogates are handled apart.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _writable(value: Any, key: Any, path: str, front: str) -> Any:
    """``value`` with its text made writable as UTF-8, or a ContentError naming the key's line.

    YAML's ``"\\ud83d\\ude80"`` (how ``json.dumps`` writes an emoji) decodes to two
    surrogates: a pair is joined into the character it stands for; a lone surrogate, a NUL
    or another control character is an error rather than a crash in the renderer.
    """
    if isinstance(value, str):
        return _writable_text(value, key, path, front)
    if isinstance(value, list):
        return [_writable(v, key, path, front) for v in value]
    if isinstance(value, dict):
        return {_writable(k, key, path, front): _writable(v, key, path, front) for k, v in value.items()}
    return value


def _writable_text(text: str, key: Any, path: str, front: str) -> str:
    if _SURROGATE.search(text):
        try:
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            lone = next(ch for ch in text if "\ud800" <= ch <= "\udfff")
            raise ContentError(path, f"bad {str(key)!r}: a lone surrogate \\u{ord(lone):04x} is not a character; "
                               "write the character itself, or both halves of its pair", _key_line(front, str(key))) from None
    bad = _UNWRITABLE.search(text)
    if bad:
        kind = "non-character" if bad.group() in "\ufffe\uffff" else "control character"
        raise ContentError(path, f"bad {str(key)!r}: the {kind} U+{ord(bad.group()):04X} cannot appear in a page or feed; "
                           "remove it", _key_line(front, str(key)))
    return text


def _article_from_meta(meta: dict, body: str, path: str, front: str, tz: dt.tzinfo) -> Article:
    _check_unknown_keys(meta, path, front)
    def field(key: str, convert):
        try:
            return convert(meta.get(key))
        except (ValueError, TypeError) as exc:
            raise ContentError(path, f"bad {key!r}: {exc}", _key_line(front, key)) from None

    title = field("title", lambda v: _as_text(v, "title").strip())
    if not title:
        raise ContentError(path, "missing 'title': add a line such as 'title: My post'", _key_line(front, "title"))
    if meta.get("date") is None:
        raise ContentError(path, "missing 'date': add a line such as 'date: 2026-01-31'", _key_line(front, "date"))
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise ContentError(path, "'draft' must be true or false", _key_line(front, "draft"))
    extra = tuple((k, v) for k, v in meta.items() if k not in FRONT_MATTER_KEYS)
    return Article(
        title=title,
        date=field("date", lambda v: _to_datetime(v, tz)),
        updated=field("updated", lambda v: None if v is None else _to_datetime(v, tz)),
        body=_UNWRITABLE.sub("\ufffd", body),  # as CommonMark does with NUL: a page or feed cannot carry them
        slug=field("slug", lambda v: slugify(_as_text(v, "slug")) if v else ""),
        tags=field("tags", _as_tags),
        summary=field("summary", lambda v: _as_text(v, "summary").strip()),
        author=field("author", lambda v: _as_text(v, "author").strip()),
        draft=draft,
        source=field("source", lambda v: _as_text(v, "source").strip()),
        platform=field("platform", lambda v: _as_text(v, "platform").strip()),
        # Pages link these: only http(s) (or, for an image, a site path) is kept, however
        # the file was written (by hand, or by older code that let other schemes through).
        original_url=field("original_url", lambda v: http_url(_as_text(v, "original_url"))),
        guid=field("guid", lambda v: _as_text(v, "guid").strip()),
        image=field("image", lambda v: page_url(_as_text(v, "image"))),
        copy_of=field("copy_of", _as_references),
        not_copy_of=field("not_copy_of", _as_references),
        path=path,
        extra=extra,
    )


def parse_article_bytes(data: bytes, path: str, tz: dt.tzinfo = dt.timezone.utc) -> Article:
    """``parse_article`` on a file's bytes; text that is not UTF-8 is a ContentError too."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(path, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    return parse_article(text, path, tz)


def read_body(file: Path) -> str:
    """The Markdown body of an article file, its front matter left out ("" if unreadable:
    the build reports a bad file when it parses it)."""
    try:
        return _split_front_matter(file.read_text(encoding="utf-8"))[1]
    except (ValueError, OSError):  # UnicodeDecodeError is a ValueError
        return ""


def load_articles(content_dir: Path, timezone: str = "UTC") -> list[Article]:
    """Read every article; raise ContentErrors listing every bad file."""
    tz = ZoneInfo(timezone)
    articles, errors = [], []
    for rel in article_files(content_dir):
        try:
            articles.append(parse_article_bytes((content_dir / rel).read_bytes(), rel, tz))
        except ContentError as exc:
            errors.append(exc)
    if errors:
        raise ContentErrors(errors)
    return articles


# ---------------------------------------------------------------- writing


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


def dump_article(article: Article) -> str:
    """The full text of an article file; the same article always gives the same text."""
    fields: list[tuple[str, Any]] = [
        ("title", article.title),
        ("date", article.date),
        ("updated", article.updated),
        ("author", article.author),
        ("source", article.source),
        ("platform", article.platform),
        ("original_url", article.original_url),
        ("guid", article.guid),
        ("tags", list(article.tags)),
        ("summary", article.summary),
        ("image", article.image),
        ("slug", article.slug),
        ("draft", article.draft or None),
        ("copy_of", list(article.copy_of) or None),
        ("not_copy_of", list(article.not_copy_of) or None),
        *article.extra,
    ]
    front = "".join(_dump_value(k, v) for k, v in fields if v not in (None, "", []) or k == "tags")
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
            match = re.search(r"^guid:\s*(.+)$", _front_text(file), re.MULTILINE)
            if match:
                found[str(yaml.safe_load(match.group(1)))] = file
        return found


def _front_text(file: Path) -> str:
    try:
        return _split_front_matter(file.read_text(encoding="utf-8"))[0]
    except (ValueError, OSError, UnicodeDecodeError):
        return ""


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
        article = _keep_overrides(article, existing)
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
    match = re.search(r"^slug:\s*(.+)$", _front_text(file), re.MULTILINE)
    return slugify(str(yaml.safe_load(match.group(1)))) if match else ""


def _keep_overrides(article: Article, existing: Path) -> Article:
    """An author's cross-post decisions (``copy_of``, ``not_copy_of``) in an imported
    file outlive the feed's updates to it."""
    try:
        meta = _load_front_matter(_front_text(existing)) or {}
        kept = {key: _as_references(meta.get(key)) for key in ("copy_of", "not_copy_of")}
    except (yaml.YAMLError, ValueError, AttributeError):
        return article
    return dataclasses.replace(article, **kept) if any(kept.values()) else article


def _free_name(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name-2.md``, ``-3``... when taken (same day, same title)."""
    candidate = folder / name
    stem = name[:-3]
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.md"
        n += 1
    return candidate


def filter_published(articles: Iterable[Article], now: dt.datetime, drafts: bool, future: bool) -> list[Article]:
    """Leave out drafts (unless ``drafts``) and posts dated after ``now`` (unless ``future``)."""
    return [a for a in articles if (drafts or not a.draft) and (future or a.date <= now)]
