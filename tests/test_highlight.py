"""highlight.py: the joined-rules lexer loop and the formatter give exactly what Pygments gives.

Every check compares with Pygments itself (a fresh lexer using ``RegexLexer``'s own loop,
and ``HtmlFormatter(nowrap=True)``), on generated code in many languages, on lexers built
to stress the joining (flags, back-references, group names, callbacks), and on the code
blocks of the real feeds when ../shared is present.
"""

from __future__ import annotations

import html
import re

import pygments
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups, default, include, this, using, words
from pygments.lexers import get_lexer_by_name
from pygments.token import Keyword, Name, Number, Punctuation, String, Text

from generator.site import highlight as hl

LANGUAGES = ["python", "bash", "sql", "javascript", "c", "go", "rust", "ruby", "css", "html", "xml", "toml", "diff", "ini", "php", "java", "typescript", "powershell", "yaml", "json", "md"]

# Pieces of code of many languages: keywords, strings of every quote, comments, escapes,
# heredocs, brackets, numbers, blank lines, tabs, CRs and characters beyond ASCII.
PIECES = [
    "def ", "class ", "return ", "import os\n", "from x import (a, b)\n", "lambda: ", "async ", "await ", "if x:\n", "    ", "\t",
    "'", '"', '"""', "'''", "f'", 'rb"', "r'\\d'", "`", "${x}", "$(ls)", "$HOME", "<<EOF\nbody\nEOF\n", "<<-'END'\nx\nEND\n",
    "#", "# comment\n", "//", "/*", "*/", "--", "<!--", "-->", "<div class=\"a\">", "</div>", "<?php ", "?>", "&amp;", "&", "<", ">",
    "SELECT ", "FROM ", "WHERE ", "fn main() {", "}", "{", "(", ")", "[", "]", ";", ",", ".", ":", "=", "==", "=>", "->", "+", "-",
    "0x1F", "3.14e-2", "42", "1_000", "\\", "\\n", "\n", "\n\n", "\r\n", "é", "名前", "\u00a0", "@decorator\n", "key: value\n",
    "- item\n", "[section]\n", "+added\n", "-removed\n", "@@ -1 +1 @@\n", "x", "name", "True", "None", "null", "{{ }}",
]
code_text = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@pytest.fixture(autouse=True, scope="module")
def narrowed_at_once():
    """Every state tries only the rules that can match from its first token (a site's
    build gets there after NARROW_AFTER tokens): the comparisons below check that path."""
    patch = pytest.MonkeyPatch()
    patch.setattr(hl, "NARROW_AFTER", 0)
    hl.lexer_for.cache_clear()
    hl._joined_states.cache_clear()
    yield
    patch.undo()
    hl.lexer_for.cache_clear()
    hl._joined_states.cache_clear()


def pygments_tokens(lang: str, code: str) -> list:
    lexer = get_lexer_by_name(hl._LANG_ALIASES.get(lang, lang), stripnl=False, ensurenl=False)
    return list(lexer.get_tokens(code))


def pygments_html(lang: str, code: str) -> str:
    """What markup.py wrote before highlight.py: Pygments' highlight() with the shared formatter."""
    lexer = get_lexer_by_name(hl._LANG_ALIASES.get(lang, lang), stripnl=False, ensurenl=False)
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    if not code.endswith("\n") and body.endswith("\n"):
        body = body[:-1]
    return f'<pre class="highlight"><code class="language-{html.escape(lang)}">{body}</code></pre>'


def test_pygments_is_the_version_the_loop_was_copied_from():
    # _joined_tokens copies RegexLexer.get_tokens_unprocessed of this version: an upgrade
    # must be checked against Pygments' new loop (and this test's comparisons) first.
    assert pygments.__version__ == "2.21.0" == hl.LOOP_COPIED_FROM


def test_another_pygments_keeps_its_own_loop(monkeypatch):
    joined = get_lexer_by_name("python", stripnl=False, ensurenl=False)
    hl.joined_lexing(joined)
    assert "get_tokens_unprocessed" in vars(joined)  # the joined loop, put on the instance
    monkeypatch.setattr(pygments, "__version__", "9.0.0")
    own = get_lexer_by_name("python", stripnl=False, ensurenl=False)
    hl.joined_lexing(own)
    assert "get_tokens_unprocessed" not in vars(own)  # Pygments' own loop


def test_common_lexers_are_joined():
    for lang in ("python", "bash", "sql", "javascript"):
        lexer = hl.lexer_for(lang)
        assert "get_tokens_unprocessed" in vars(lexer), lang
        root = lexer._tokens["root"]
        assert len(hl._segments_of(root)) < len(root) / 3, lang  # most rules share a pattern


@settings(max_examples=60, deadline=None)
@given(code=code_text, lang=st.sampled_from(LANGUAGES))
def test_same_tokens_and_html_as_pygments(code, lang):
    lexer = hl.lexer_for(lang)
    assert list(lexer.get_tokens(code)) == pygments_tokens(lang, code)
    assert hl.highlight_code(code, lang) == pygments_html(lang, code)


@settings(max_examples=200, deadline=None)
@given(tokens=st.lists(st.tuples(st.sampled_from([Text, Keyword, Name, Name.Function, String, Punctuation, Number.Integer]), st.text(alphabet="ab <&>\n\t\"'", max_size=8)), max_size=30))
def test_formatter_writes_what_htmlformatter_writes(tokens):
    # runs of one class, empty tokens, newlines at either end, text that needs escaping
    expected = "".join(piece for _, piece in HtmlFormatter(nowrap=True)._format_lines(iter(tokens)))
    assert hl.format_tokens(tokens) == expected


class _Stress(RegexLexer):
    """Rules built to break a careless join: every case highlight.py must keep in order."""

    name = "stress"
    flags = re.MULTILINE
    tokens = {
        "root": [
            (r"(?s)/\*.*?\*/", String.Doc),  # global flags opening a pattern
            (r"(?i)select\b", Keyword),
            (r"(?x) \d+ (?:\.\d+)?  # a number, verbose, with a comment\n", Number),
            (r"(\w+)(=)", bygroups(Name.Attribute, Punctuation)),
            (r"(?P<q>['\"])(.*?)(?P=q)", String),  # a named back-reference
            (r"<<(\w+)\n[\w\W]*?\n\1", String.Heredoc),  # a numbered one: stands alone
            (r"(?P<w>[a-z]+)!", Keyword.Pseudo),
            (r"(?P<w>[A-Z]+)!", Name.Constant),  # the same group name again: a new segment
            (r"\[", Punctuation, "inner"),
            (words(("if", "else", "while"), suffix=r"\b"), Keyword),
            (r"\{([^}]*)\}", bygroups(using(this, state="inner"))),
            (r"^#.*$", Text),
            (r"[ \t]+", Text),
            (r"\w+", Name),
        ],
        "inner": [
            include("nums"),
            (r"\]", Punctuation, "#pop"),
            (r"\(", Punctuation, ("#push", "deeper")),
            (r"[a-z]+", Name.Variable),
            default("#pop"),
        ],
        "deeper": [(r"\)", Punctuation, "#pop:2"), (r"[^)\n]+", String)],
        "nums": [(r"\d+", Number)],
    }


STRESS = ["/* a\nb */ SELECT select 3.5 x=1 'q' \"d\" <<END\nx\nEND", "AB! ab! [x(y)z] ] {if [1 2]} #c\n[q\nr", "[ (", "[(a\n", "\x00 ~~ é"]


@pytest.mark.parametrize("code", STRESS)
def test_stress_lexer_matches_pygments_loop(code):
    fast = _Stress(stripnl=False, ensurenl=False)
    hl.joined_lexing(fast)
    assert "get_tokens_unprocessed" in vars(fast)
    slow = _Stress(stripnl=False, ensurenl=False)
    assert list(fast.get_tokens(code)) == list(slow.get_tokens(code))
    segments = hl._segments_of(fast._tokens["root"])
    assert any(s.single is not None for s in segments) and any(len(s.rules) > 1 for s in segments)


@settings(max_examples=150, deadline=None)
@given(code=st.lists(st.sampled_from(["/*", "*/", "select", "SELECT", "3", ".5", "x", "=", "'", '"', "<<END\n", "\nEND", "AB!", "ab!", "[", "]", "(", ")", "{", "}", "if", " ", "\n", "#", "é"]), max_size=30).map("".join))
def test_stress_lexer_property(code):
    fast = _Stress(stripnl=False, ensurenl=False)
    hl.joined_lexing(fast)
    assert list(fast.get_tokens(code)) == list(_Stress(stripnl=False, ensurenl=False).get_tokens(code))


def test_each_state_tries_only_the_rules_that_can_match_the_next_character():
    code = "import os\n\ndef f(x):\n    return x + 1  # one\n"
    assert hl.highlight_code(code, "python") == pygments_html("python", code)
    table = hl._joined_states(type(hl.lexer_for("python")))["root"]
    assert sum(len(s.rules) or 1 for s in table["r"]) < len(table.rules) / 3  # "return": a few rules, not all 56
    assert table["é"] is table.every  # past ASCII: every rule


@pytest.mark.parametrize("lang", ["python", "bash", "sql"])
def test_a_few_blocks_are_lexed_with_every_rule(lang, monkeypatch):
    """Narrowed lists are compiled once a state has lexed NARROW_AFTER tokens: a one-post
    edit's few blocks do not pay for compiling them."""
    monkeypatch.setattr(hl, "NARROW_AFTER", 10**6)
    hl._joined_states.cache_clear()
    lexer = get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    hl.joined_lexing(lexer)
    for code in STRESS + ["import os\nSELECT 1;\necho $HOME\n"]:
        assert list(lexer.get_tokens(code)) == pygments_tokens(lang, code)
    assert all(not table for table in hl._joined_states(type(lexer)).values())  # nothing narrowed
    hl._joined_states.cache_clear()


def test_lexers_with_their_own_loop_are_left_alone():
    yaml = hl.lexer_for("yaml")  # an ExtendedRegexLexer with its own context
    assert "get_tokens_unprocessed" not in vars(yaml)
    assert hl.lexer_for("not-a-language") is None
    assert hl.highlight_code("<x> & y", "not-a-language") == '<pre class="highlight"><code class="language-not-a-language">&lt;x&gt; &amp; y</code></pre>'


def _feed_code_blocks(folder) -> list[tuple[str, str]]:
    from bs4 import BeautifulSoup

    blocks = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in {".xml", ".txt"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for chunk in re.findall(r"<pre\b.*?</pre>", html.unescape(text), flags=re.S):
            pre = BeautifulSoup(chunk, "html.parser")
            match = re.search(r"language-([\w+#-]+)", chunk)
            blocks.append((match.group(1).lower() if match else "python", pre.get_text()))
    return blocks


def test_real_feeds_code_highlights_as_pygments_does(seeds_dir, wild_dir):
    blocks = _feed_code_blocks(seeds_dir) + _feed_code_blocks(wild_dir)
    assert len(blocks) > 20
    for lang, code in blocks:
        for name in {lang, "python", "bash"}:  # each block as its own language, and as others
            if hl.lexer_for(name) is not None:
                assert hl.highlight_code(code, name) == pygments_html(name, code), (name, code[:80])
