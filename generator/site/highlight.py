"""Code highlighting: Pygments' own lexers and HTML, made faster, byte for byte the same.

``highlight_code(code, lang)`` is the one entry point (``markup`` calls it for every
fenced block). Highlighting is half of a clean build's Markdown stage, and most of it
is two loops of Pygments that this module replaces by equivalents:

* ``RegexLexer.get_tokens_unprocessed`` tries the rules of the current state one by
  one, a Python call each (3.9 million calls for 1,000 posts). Here consecutive rules of
  a state are joined into one alternation ``(r1)|(r2)|...``: Python's ``re`` tries the
  alternatives in that order at the same position and takes the first that matches,
  exactly as Pygments' loop does, so one call finds the rule Pygments would have
  picked (``Match.lastindex`` names it: each rule's own group closes last). What
  happens next (the token, callbacks, the state stack, the end-of-line and error
  fallbacks) is Pygments' own code, copied. A rule that cannot share a pattern (other
  flags, a numbered back-reference, a group name another rule uses) stands alone, in
  its place. Only lexers that use ``RegexLexer``'s loop as it is get this one.
* ``HtmlFormatter._format_lines`` (with ``nowrap``, CSS classes, no line numbers):
  the same spans, one string built without a generator per line.

``tests/test_highlight.py`` checks both against Pygments, token for token and byte for
byte, on generated code in many languages.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Error, Whitespace, _TokenType
from pygments.util import ClassNotFound

from generator.site.firstchars import ASCII, first_chars

__all__ = ["highlight_code", "css_class_of", "lexer_for", "format_tokens", "joined_lexing"]

# The Pygments whose RegexLexer loop _joined_tokens copies: under any other version
# (requirements.txt moved on, or another install) lexers keep Pygments' own loop.
LOOP_COPIED_FROM = "2.21.0"
_LANG_ALIASES = {"sh": "bash", "shell": "bash", "py": "python", "js": "javascript", "yml": "yaml", "ts": "typescript"}
_FORMATTER = HtmlFormatter(nowrap=True)  # shared: building one per block costs as much as highlighting
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # numbered back-references and conditionals shift when joined
_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")
_GLOBAL_FLAGS = re.compile(r"^(?:\(\?[aiLmsux]+\))+")  # a pattern's leading (?s): global flags must open a pattern
_SCOPED_FLAGS = (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.VERBOSE))


@lru_cache(maxsize=256)
def lexer_for(lang: str) -> Lexer | None:
    """The Pygments lexer for a fence's language, faster where it is a plain RegexLexer."""
    try:
        # stripnl/ensurenl off: the code comes out exactly as it went in.
        lexer = get_lexer_by_name(_LANG_ALIASES.get(lang, lang), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    joined_lexing(lexer)
    return lexer


def highlight_code(code: str, lang: str) -> str:
    """One code block as HTML; the text content of ``<code>`` equals ``code`` exactly."""
    lexer = lexer_for(lang) if lang else None
    body = format_tokens(lexer.get_tokens(code)) if lexer else html.escape(code, quote=False)
    # Pygments may add a newline at the very end; keep the block byte for byte.
    if lexer and not code.endswith("\n") and body.endswith("\n"):
        body = body[:-1]
    css_class = f' class="language-{html.escape(lang)}"' if lang else ""
    return f'<pre class="highlight"><code{css_class}>{body}</code></pre>'


# ---------------------------------------------------------------- the formatter


def css_class_of(ttype: _TokenType) -> str:
    """The ``<span class="...">`` opening a token type's text ('' for plain text)."""
    opener: str | None = _FORMATTER.span_element_openers.get(ttype)
    if opener is None:
        css = _FORMATTER._get_css_classes(ttype)  # type: ignore[attr-defined]  # Pygments' own naming of a type's classes
        opener = _FORMATTER.span_element_openers[ttype] = f'<span class="{css}">' if css else ""
    return opener


def format_tokens(tokens: Iterable[tuple[_TokenType, str]]) -> str:
    """What ``HtmlFormatter(nowrap=True).format`` writes for ``tokens``: each line's runs of
    one class in one span, a span closed at each line's end and opened again after it."""
    openers = _FORMATTER.span_element_openers
    out: list[str] = []
    line: list[str] = []  # the current line, still open
    lspan = ""  # the span open on it
    for ttype, value in tokens:
        cspan = openers.get(ttype)
        if cspan is None:
            cspan = css_class_of(ttype)
        parts = html.escape(value, quote=False).split("\n") if ("&" in value or "<" in value or ">" in value or "\n" in value) else (value,)
        for part in parts[:-1]:
            if line:
                if lspan != cspan and part:
                    line += ((lspan and "</span>"), cspan, part, (cspan and "</span>"), "\n")
                else:
                    line += (part, (lspan and "</span>"), "\n")
                out += line
                line = []
            elif part:
                out += (cspan, part, (cspan and "</span>"), "\n")
            else:
                out.append("\n")
        last = parts[-1]
        if line and last:
            if lspan != cspan:
                line += ((lspan and "</span>"), cspan, last)
                lspan = cspan
            else:
                line.append(last)
        elif last:
            line = [cspan, last]
            lspan = cspan
    if line:
        out += line
        out += ((lspan and "</span>"), "\n")
    return "".join(out)


# ---------------------------------------------------------------- the lexer


Rule = tuple[Callable[..., Any], Any, Any]  # Pygments' processed rule: (pattern.match, action, new state)


@dataclass(frozen=True)
class _Segment:
    """Consecutive rules of a state tried by one ``match``: ``rules`` maps the group that
    wraps each rule to it; ``single`` is a rule left alone (its own match object)."""

    match: Callable[..., Any]
    rules: dict[int, Rule]
    single: Rule | None = None


def joined_lexing(lexer: Lexer) -> None:
    """Give a lexer that uses ``RegexLexer``'s own loop the joined-rules loop instead
    (an instance attribute: ``get_tokens`` and ``using(this)`` both call through it)."""
    if (pygments.__version__ == LOOP_COPIED_FROM and isinstance(lexer, RegexLexer)
            and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed):
        states = _joined_states(type(lexer))
        lexer.get_tokens_unprocessed = lambda text, stack=("root",): _joined_tokens(lexer, states, text, stack)  # type: ignore[method-assign]


@lru_cache(maxsize=64)
def _joined_states(cls: type) -> dict[str, _StateTable]:
    return {}  # filled state by state as the lexer reaches them


# A narrowed list is compiled again, in every process, for each set of rules it keeps:
# a rule with a large Unicode class keeps its own compiled pattern instead (Python's
# names hold 2,400 characters of Unicode ranges: 14 ms to compile, for every letter's
# list). Long ASCII alternations (SQL's keywords) compile fast and are joined.
NARROWED_UNICODE_LIMIT = 100  # characters past ASCII in a rule's pattern
# Tokens a state lexes with every rule before its narrowed lists are made: compiling them
# costs more than it saves on a few blocks (an edit's), and pays off over a site's.
NARROW_AFTER = 300


class _StateTable(dict[str, list[_Segment]]):
    """A state's segments by the character at the position: only the rules that can
    match there (``firstchars``; the others cannot, so the first rule that matches is
    the one Pygments would pick). Python's state has 56 rules: an identifier no longer
    tries the 40 that cannot start with a letter. Filled as characters come up."""

    def __init__(self, rules: list[Rule]):
        super().__init__()
        self.rules = rules
        self.firsts = [first_chars(pattern) if isinstance(pattern := getattr(rule[0], "__self__", None), re.Pattern) else None for rule in rules]
        self.every = _segments_of(rules)  # past ASCII, and at the end of the text
        self.by_rules: dict[tuple[int, ...], list[_Segment]] = {}
        self.cold = NARROW_AFTER

    def __missing__(self, char: str) -> list[_Segment]:
        if self.cold > 0:  # nothing stored: asked again at the next token
            self.cold -= 1
            return self.every
        if char not in ASCII:
            segments = self.every
        else:
            kept = tuple(n for n, first in enumerate(self.firsts) if first is None or char in first)
            if len(kept) == len(self.rules):
                segments = self.every
            else:
                segments = self.by_rules.get(kept) or self.by_rules.setdefault(kept, _segments_of([self.rules[n] for n in kept], NARROWED_UNICODE_LIMIT))
        self[char] = segments
        return segments


def _state_table(joined: dict[str, _StateTable], tokendefs: dict[str, list[Rule]], state: str) -> _StateTable:
    table = joined.get(state)
    if table is None:
        table = joined[state] = _StateTable(tokendefs[state])
    return table


def _segments_of(rules: list[Rule], unicode_limit: int | None = None) -> list[_Segment]:
    """A state's rules as segments: runs of rules that can share one pattern, in order.
    A rule whose pattern holds more than ``unicode_limit`` characters past ASCII keeps
    its own compiled pattern."""
    segments: list[_Segment] = []
    run: list[tuple[str, re.Pattern[str], Rule]] = []  # (the rule's own pattern, with its flags inside; ...)
    names: set[str] = set()
    for rule in rules:
        source = _scoped(rule[0])
        if source is None or (unicode_limit is not None and _past_ascii(source) > unicode_limit):
            segments += _join(run)
            segments.append(_Segment(rule[0], {}, rule))
            run, names = [], set()
            continue
        own = set(_GROUP_NAME.findall(source))
        if names & own:
            segments += _join(run)
            run, names = [], set()
        run.append((source, rule[0].__self__, rule))  # type: ignore[attr-defined]  # _scoped checked it is a Pattern's match
        names |= own
    return segments + _join(run)


def _past_ascii(source: str) -> int:
    return 0 if source.isascii() else sum(1 for char in source if char > "\x7f")


def _scoped(match: Callable[..., Any]) -> str | None:
    """A rule's pattern with its flags written inside it, ``(?i-msx:...)``, so that rules
    with other flags (the lexer's, or a leading ``(?s)``) can share one pattern; None
    when it cannot share one (a back-reference by number, or flags a group cannot set)."""
    pattern = getattr(match, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str) or _BACKREFERENCE.search(pattern.pattern):
        return None
    if pattern.flags & (re.ASCII | re.LOCALE | re.DEBUG):
        return None
    on = "".join(letter for letter, flag in _SCOPED_FLAGS if pattern.flags & flag)
    off = "".join(letter for letter, flag in _SCOPED_FLAGS if not pattern.flags & flag)
    body = _GLOBAL_FLAGS.sub("", pattern.pattern, count=1)
    end = "\n" if pattern.flags & re.VERBOSE else ""  # a verbose pattern's comment must not swallow the ")"
    return f"(?{on}{'-' + off if off else ''}:{body}{end})"


def _join(run: list[tuple[str, re.Pattern[str], Rule]]) -> list[_Segment]:
    """One segment for a run of rules; each rule alone if they do not compile together."""
    if len(run) < 2:
        return [_Segment(rule[0], {}, rule) for _, _, rule in run]
    rules: dict[int, Rule] = {}
    groups = 0
    for _, pattern, rule in run:
        groups += pattern.groups + 1
        rules[groups] = rule
    try:
        joined = re.compile("|".join(f"{source}()" for source, _, _ in run))
    except re.error:
        joined = None
    if joined is None or joined.groups != groups:
        return [_Segment(rule[0], {}, rule) for _, _, rule in run]
    return [_Segment(joined.match, rules)]


def _joined_tokens(lexer: RegexLexer, joined: dict[str, _StateTable], text: str, stack: Iterable[str] = ("root",)) -> Iterator[tuple[int, Any, str]]:
    """``RegexLexer.get_tokens_unprocessed`` (Pygments 2.21) with each state's rules tried
    by segment, only those that can match the character at the position: the same
    tokens, the same state changes, in the same order."""
    pos = 0
    tokendefs = lexer._tokens  # type: ignore[attr-defined]  # the processed rules RegexLexerMeta makes
    statestack = list(stack)
    table = _state_table(joined, tokendefs, statestack[-1])
    while 1:
        for segment in table[text[pos : pos + 1]]:
            m = segment.match(text, pos)
            if m is None:
                continue
            if segment.single is None:
                rexmatch, action, new_state = segment.rules[m.lastindex]
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                    pos = m.end()
                else:
                    m = rexmatch(text, pos)  # the rule's own match: callbacks read its groups
                    if action is not None:
                        yield from action(lexer, m)
                    pos = m.end()
            else:
                action, new_state = segment.single[1], segment.single[2]
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(lexer, m)
                pos = m.end()
            if new_state is not None:
                _change_state(statestack, new_state)
                table = _state_table(joined, tokendefs, statestack[-1])
            break
        else:
            # no rule matched: Pygments' own fallback
            try:
                if text[pos] == "\n":
                    statestack = ["root"]  # at the end of a line, back to "root"
                    table = _state_table(joined, tokendefs, "root")
                    yield pos, Whitespace, "\n"
                    pos += 1
                    continue
                yield pos, Error, text[pos]
                pos += 1
            except IndexError:
                break


def _change_state(statestack: list[str], new_state: Any) -> None:
    """Pygments' state transition: push, pop (``#pop``, or a negative count), or ``#push``."""
    if isinstance(new_state, tuple):
        for state in new_state:
            if state == "#pop":
                if len(statestack) > 1:
                    statestack.pop()
            elif state == "#push":
                statestack.append(statestack[-1])
            else:
                statestack.append(state)
    elif isinstance(new_state, int):
        # pop, but keep at least one state on the stack
        if abs(new_state) >= len(statestack):
            del statestack[1:]
        else:
            del statestack[new_state:]
    elif new_state == "#push":
        statestack.append(statestack[-1])
    else:
        raise AssertionError(f"wrong state def: {new_state!r}")

