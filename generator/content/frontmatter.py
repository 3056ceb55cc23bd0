"""The front matter of ``content/**/*.md``: its keys, its YAML, and what it may hold.

This module owns the format every article file shares: the known keys (the
``front_matter`` fields of :class:`~generator.models.Article`, in their order), splitting
a file into front matter and body, parsing the YAML (dates left as text) with each error
on the line to fix, misspelt keys (``darft`` would publish a draft), and text a page or
feed cannot carry (lone surrogates, control characters).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ContentError
from generator.models import Article

__all__ = [
    "FRONT_MATTER_FIELDS",
    "FRONT_MATTER_KEYS",
    "DATE_KEYS",
    "LIST_KEYS",
    "PARAMS_KEY",
    "DATE_UNKNOWN",
    "split_front_matter",
    "load_front_matter",
    "front_text",
    "key_line",
    "yaml_problem",
    "check_unknown_keys",
    "writable",
    "UNWRITABLE",
]

FRONT_MATTER_FIELDS: tuple[dataclasses.Field[Any], ...] = tuple(f for f in dataclasses.fields(Article) if "front_matter" in f.metadata)
FRONT_MATTER_KEYS: tuple[str, ...] = tuple(f.name for f in FRONT_MATTER_FIELDS)
_TYPES = typing.get_type_hints(Article)
# The keys by their field's type, for what stores them apart (the build cache's JSON).
DATE_KEYS: tuple[str, ...] = tuple(k for k in FRONT_MATTER_KEYS if _TYPES[k] in (datetime, datetime | None))
LIST_KEYS: tuple[str, ...] = tuple(k for k in FRONT_MATTER_KEYS if _TYPES[k] == tuple[str, ...])
# An author's own keys, never checked for typos; with every other unknown key they are
# offered to templates as ``post.params`` (as Hugo's are).
PARAMS_KEY = "params"
# ``date_unknown: true``: the feed gave the item no date; ``date`` is a stand-in that keeps
# it below every dated article (parse.py), and pages show no publication date for it.
DATE_UNKNOWN = "date_unknown"


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so a bad date is reported on its own line."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# ignore: the base is picked at run time (libyaml's loader exists only when PyYAML was built with it)
class _FastFrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's parser, when PyYAML has it, with the same resolvers: 8 times faster (0.3 ms
    per post). Bad front matter is parsed again by the pure-Python loader, whose error
    messages are the ones users see."""


_FastFrontMatterLoader.yaml_implicit_resolvers = _FrontMatterLoader.yaml_implicit_resolvers


def load_front_matter(front: str) -> Any:
    try:
        return yaml.load(front, Loader=_FastFrontMatterLoader)
    except yaml.YAMLError:
        return yaml.load(front, Loader=_FrontMatterLoader)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise ValueError("no front matter: the file must start with a line '---'")
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise ValueError("front matter is not closed: add a line '---' after it")


def front_text(file: Path) -> str:
    """The front matter of an article file as text ("" when it has none or is unreadable)."""
    try:
        return split_front_matter(file.read_text(encoding="utf-8"))[0]
    except (ValueError, OSError):  # UnicodeDecodeError is a ValueError
        return ""


def key_line(front: str, key: str) -> int:
    """The file line (1-based) where ``key:`` appears in the front matter, else 1."""
    for number, line in enumerate(front.splitlines(), start=2):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return 1


def yaml_problem(exc: yaml.YAMLError, front: str) -> tuple[int, str]:
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


# ---------------------------------------------------------------- keys


def _misspelt(key: Any) -> str | None:
    """The known key ``key`` is most likely a typo of, else None.

    A typo is the same key but for case or ``-`` for ``_``, or one edit away (a letter
    added, dropped, changed, or two swapped: ``darft``), two for keys of six letters or
    more. Further away, a key is the author's own (``series``, ``weight``): kept.
    """
    if not isinstance(key, str) or key == PARAMS_KEY:
        return None
    # Imported here, not at the top: only an unknown key needs it (5 ms of every build's start).
    from rapidfuzz.distance import OSA

    folded = key.strip().lower().replace("-", "_")
    nearest = min(FRONT_MATTER_KEYS, key=lambda known: (OSA.distance(folded, known), known))
    allowed = 1 if len(nearest) <= 5 else 2
    return nearest if OSA.distance(folded, nearest) <= allowed else None


def check_unknown_keys(meta: dict[Any, Any], path: str, front: str) -> None:
    """A misspelt known key is an error: ``darft: true`` would otherwise publish a draft."""
    for key in meta:
        if key in FRONT_MATTER_KEYS:
            continue
        meant = _misspelt(key)
        if meant is not None:
            raise ContentError(path, f"unknown key {key!r} (did you mean {meant!r}? a key of your own can go under '{PARAMS_KEY}:')", key_line(front, str(key)))
    if PARAMS_KEY in meta and not isinstance(meta[PARAMS_KEY], dict):
        raise ContentError(path, f"'{PARAMS_KEY}' must be 'key: value' lines, indented under it", key_line(front, PARAMS_KEY))


# ---------------------------------------------------------------- text a page can carry


# Text no page or feed can carry: C0 controls but tab and newlines (XML 1.0 forbids them;
# NUL ends strings in C), and the non-characters U+FFFE/U+FFFF. Surrogates are handled apart.
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def writable(value: Any, key: Any, path: str, front: str) -> Any:
    """``value`` with its text made writable as UTF-8, or a ContentError naming the key's line.

    YAML's ``"\\ud83d\\ude80"`` (how ``json.dumps`` writes an emoji) decodes to two
    surrogates: a pair is joined into the character it stands for; a lone surrogate, a NUL
    or another control character is an error rather than a crash in the renderer.
    """
    if isinstance(value, str):
        return _writable_text(value, key, path, front)
    if isinstance(value, list):
        return [writable(v, key, path, front) for v in value]
    if isinstance(value, dict):
        return {writable(k, key, path, front): writable(v, key, path, front) for k, v in value.items()}
    return value


def _writable_text(text: str, key: Any, path: str, front: str) -> str:
    if _SURROGATE.search(text):
        try:
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
        except UnicodeDecodeError:
            lone = next(ch for ch in text if "\ud800" <= ch <= "\udfff")
            raise ContentError(path, f"bad {str(key)!r}: a lone surrogate \\u{ord(lone):04x} is not a character; "
                               "write the character itself, or both halves of its pair", key_line(front, str(key))) from None
    bad = UNWRITABLE.search(text)
    if bad:
        kind = "non-character" if bad.group() in "\ufffe\uffff" else "control character"
        raise ContentError(path, f"bad {str(key)!r}: the {kind} U+{ord(bad.group()):04X} cannot appear in a page or feed; "
                           "remove it", key_line(front, str(key)))
    return text
