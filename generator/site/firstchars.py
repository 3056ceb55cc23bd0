"""Which ASCII characters a regular expression can start a match with.

``first_chars(pattern)`` reads the pattern as Python's ``re`` parses it and answers with
the set of ASCII characters that the first character of a match can be, or None when
a match could start with any of them (the pattern can match the empty string, or uses
something this module does not follow). ``highlight.py`` uses it to try, at each
position, only the rules of a lexer state that can match the character found there.

The answer may be too large, never too small: whatever is not understood (a
back-reference, flags scoped to a group, an unknown operator) counts as "any
character", and zero-width assertions (``\\b``, ``^``, look-arounds) are stepped over
as if they always held. Each single-character test (a literal, a class, ``.``) is
answered by ``re`` itself, compiled with the pattern's own flags (``IGNORECASE``,
``DOTALL``), so no flag is reinterpreted here.

It reads ``re``'s parser (``re._parser``, Python 3.11+): under any other ``re``, or if the
parse fails, every answer is None and callers keep trying every rule.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["ASCII", "first_chars"]

ASCII = frozenset(chr(code) for code in range(128))


def _sre_modules() -> tuple[Any, Any] | None:
    """``re``'s parser and compiler (private: Python 3.11+ names them so), or None."""
    try:
        return importlib.import_module("re._parser"), importlib.import_module("re._compiler")
    except ImportError:  # pragma: no cover - another Python
        return None


_SRE = _sre_modules()

_ONE_CHAR = {"LITERAL", "NOT_LITERAL", "ANY", "IN"}  # operators that match exactly one character
_ZERO_WIDTH = {"AT", "ASSERT", "ASSERT_NOT"}  # assertions: they consume nothing
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


class _Any(Exception):
    """Raised inside the walk when the answer is "any character"."""


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The ASCII characters a match of ``pattern`` can begin with; None for "any"."""
    if _SRE is None or not isinstance(pattern.pattern, str):
        return None
    try:
        parsed = _SRE[0].parse(pattern.pattern, pattern.flags)
        chars, nullable = _sequence(parsed, parsed.state, pattern.flags)
    except (_Any, re.error, RecursionError, TypeError, ValueError, AttributeError, IndexError):
        return None
    return None if nullable else frozenset(chars)


def _sequence(items: Any, state: Any, flags: int) -> tuple[set[str], bool]:
    """First characters of a sequence of operators, and whether it can match nothing."""
    chars: set[str] = set()
    for op, av in items:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue
        if name in _ONE_CHAR:
            return chars | _one_char(op, av, state, flags), False
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, inner = av
            if add_flags or del_flags:
                raise _Any
            more, nullable = _sequence(inner, state, flags)
        elif name == "ATOMIC_GROUP":
            more, nullable = _sequence(av, state, flags)
        elif name == "BRANCH":
            more, nullable = set(), False
            for alternative in av[1]:
                found, empty = _sequence(alternative, state, flags)
                more |= found
                nullable = nullable or empty
        elif name in _REPEATS:
            low, _high, inner = av
            more, nullable = _sequence(inner, state, flags)
            nullable = nullable or low == 0
        else:  # a back-reference, a conditional, anything else: could start with anything
            raise _Any
        chars |= more
        if not nullable:
            return chars, False
    return chars, True


def _one_char(op: Any, av: Any, state: Any, flags: int) -> frozenset[str]:
    """The ASCII characters one single-character operator matches, asked of ``re``."""
    flags |= state.flags
    if str(op) == "LITERAL" and not flags & re.IGNORECASE:
        return frozenset({chr(av)}) & ASCII  # the common case, without compiling
    key = (str(op), repr(av), flags)
    found = _ONE_CHAR_SETS.get(key)
    if found is None:
        parser, compiler = _SRE  # type: ignore[misc]  # first_chars checked it is there
        test = compiler.compile(parser.SubPattern(state, [(op, av)]), flags)
        found = _ONE_CHAR_SETS[key] = frozenset(char for char in ASCII if test.match(char))
    return found


# Classes such as \s or [a-zA-Z_] open many rules of many lexers: each is asked of re once.
_ONE_CHAR_SETS: dict[tuple[str, str, int], frozenset[str]] = {}
