"""firstchars.py: the characters a match can start with, never too few (a rule left out
of a lexer state's narrowed list would change the tokens)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.site.firstchars import ASCII, first_chars

# Pieces of patterns as Pygments' lexers write them: literals, classes, escapes, anchors,
# look-arounds, groups, alternations, repeats, scoped flags and back-references.
ATOMS = ["a", "B", "_", "0", r"\.", r"\n", " ", "-", "#", "'", '"', ".", r"\d", r"\w", r"\s", r"\W", r"\S", "[a-z]", "[^a-z]", "[A-Z_]",
         r"[\]\-]", "[0-9a-fA-F]", r"\b", r"\B", "^", "$", r"\A", r"\Z", "(?=a)", "(?!b)", r"(?<!\.)", "(?<=x)", r"[\u00e9]", "é", r"\t"]


def _patterns(depth: int = 0) -> st.SearchStrategy[str]:
    atom = st.sampled_from(ATOMS)
    if depth >= 2:
        return atom
    inner = st.lists(st.deferred(lambda: _patterns(depth + 1)), min_size=1, max_size=3).map("".join)
    return st.one_of(
        atom,
        inner.map(lambda p: f"({p})"),
        inner.map(lambda p: f"(?:{p})"),
        st.tuples(inner, inner).map(lambda pair: f"(?:{pair[0]}|{pair[1]})"),
        st.tuples(inner, st.sampled_from(["*", "+", "?", "*?", "{2}", "{0,2}", "{1,3}", "*+"])).map(lambda pair: f"(?:{pair[0]}){pair[1]}"),
        inner.map(lambda p: f"(?i:{p})"),
        inner.map(lambda p: f"(?P<n>{p})(?P=n)"),
    )


pattern_text = st.lists(_patterns(), min_size=1, max_size=4).map("".join)
flags = st.sampled_from([0, re.IGNORECASE, re.MULTILINE, re.DOTALL, re.IGNORECASE | re.MULTILINE, re.VERBOSE])
texts = st.text(st.sampled_from("aAbBxX_0123 .-#'\"\n\téÉz"), max_size=12)


@settings(max_examples=1500, deadline=None)
@given(pattern_text, flags, texts)
def test_no_match_starts_with_a_character_left_out(source, flag, text):
    try:
        pattern = re.compile(source, flag)
    except re.error:
        return
    first = first_chars(pattern)
    if first is None:
        return
    assert first <= ASCII
    for pos in range(len(text) + 1):
        if pattern.match(text, pos) is not None:
            assert pos < len(text), "a pattern said to need a first character matched nothing"
            assert text[pos] in first or text[pos] not in ASCII, (source, text, pos)


def test_answers_for_the_shapes_lexers_use():
    assert first_chars(re.compile(r"(?<!\.)(def|class)\b")) == {"d", "c"}
    assert first_chars(re.compile(r"(?:DEF|x)", re.IGNORECASE)) == {"d", "D", "x", "X"}
    assert first_chars(re.compile(r"\s+")) == {chr(c) for c in range(128) if chr(c).isspace()}
    assert first_chars(re.compile(r"[0-9]*\.")) == set("0123456789.")
    assert first_chars(re.compile(r".", re.DOTALL)) == ASCII
    assert "\n" not in (first_chars(re.compile(r".")) or ASCII)
    # anything that could start anywhere, or match nothing: None (try the rule everywhere)
    assert first_chars(re.compile(r"a*")) is None
    assert first_chars(re.compile(r"(?=x)")) is None
    assert first_chars(re.compile(r"(a)\1")) == {"a"}  # the back-reference comes after "a"
    assert first_chars(re.compile(r"(a)?\1b")) is None  # a back-reference first: not followed
    assert first_chars(re.compile(r"(?i:a)b")) is None  # flags scoped to a group: not followed
    assert first_chars(re.compile(rb"a")) is None  # type: ignore[arg-type]  # bytes patterns: not followed
