"""Round trip, as a property: HTML trees built from the elements the sanitiser allows
(nested lists in both forms, tables with ``|`` in inline code and column alignment,
``<pre>`` with text around its ``<code>``, ``<br>`` in code, ``<details>`` around code,
figures whose captions hold blocks) are normalised to Markdown, rendered by the site's
renderer, and the page must keep: the text, every code block's bytes and language,
every link and image, the nesting of list items, every table cell, every caption as a
``<figcaption>`` in a ``<figure>``.

The expected values are read from the generated HTML itself (as a browser shows it), not
from the converter. ``FIDELITY_EXAMPLES=5000 python -m pytest tests/test_normalise_property.py``
runs more examples than the default.
"""

from __future__ import annotations

import html as htmllib
import os
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fidelity import render
from generator.normalise import convert_body

EXAMPLES = int(os.environ.get("FIDELITY_EXAMPLES", "500"))
WORDS = ["alpha", "beta", "gamma", "x*y", "a_b", "p|q", "[k]", "1.", "#h", "<t>", "&", "-", "`tick`", "42", "~", "+"]
CODE_LINES = ["x = 1", "  indented", "\tтаб", "a | b", "if a < b: pass", "```", "", "    ", "s = '*_`'", "# comment"]
LANGUAGES = ["", "python", "sh", "c++", "rust"]
ALIGNS = ["", "left", "center", "right"]


def _text(draw) -> str:
    return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4)))


@st.composite
def inline(draw) -> str:
    parts = []
    for kind in draw(st.lists(st.sampled_from(["text", "em", "strong", "code", "br_code", "link", "image"]), min_size=1, max_size=3)):
        words = htmllib.escape(_text(draw), quote=False)
        n = draw(st.integers(0, 999))
        if kind == "text":
            parts.append(words)
        elif kind in ("em", "strong"):
            parts.append(f"<{kind}>{words}</{kind}>")
        elif kind == "code":
            parts.append(f"<code>{htmllib.escape(draw(st.sampled_from(['a|b', 'x', 'f(*args)', '<T>', 'a_b'])))}</code>")
        elif kind == "br_code":
            parts.append("<code>first<br>second</code>")
        elif kind == "link":
            parts.append(f'<a href="https://links.example/{n}?q=({n})">{words}</a>')
        else:
            parts.append(f'<img src="https://img.example/{n}.png" alt="{htmllib.escape(_text(draw))}">')
    return " ".join(parts)


@st.composite
def code_block(draw) -> str:
    lines = draw(st.lists(st.sampled_from(CODE_LINES), min_size=1, max_size=5))
    lines.append(draw(st.sampled_from(["x", "end()", "y = 2"])))  # some text, not only blanks
    code = htmllib.escape("\n".join(lines) + draw(st.sampled_from(["", "\n"])), quote=False)
    lang = draw(st.sampled_from(LANGUAGES))
    cls = f' class="language-{lang}"' if lang else ""
    before, after = draw(st.sampled_from([("", ""), ("$ ", ""), ("", "\nexit 0")]))
    return f"<pre>{before}<code{cls}>{code}</code>{htmllib.escape(after)}</pre>"


@st.composite
def a_list(draw, depth: int = 0) -> str:
    tag = draw(st.sampled_from(["ul", "ol"]))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        body = draw(inline())
        if depth < 2 and draw(st.booleans()):
            body += draw(code_block())
        nested = draw(a_list(depth + 1)) if depth < 2 and draw(st.integers(0, 3)) == 0 else ""
        if nested and draw(st.booleans()):
            items.append(f"<li>{body}</li>{nested}")  # the list directly inside the list
        else:
            items.append(f"<li>{body}{nested}</li>")
    return f"<{tag}>{''.join(items)}</{tag}>"


@st.composite
def table(draw) -> str:
    columns = draw(st.integers(1, 3))
    aligns = [draw(st.sampled_from(ALIGNS)) for _ in range(columns)]
    head = "".join(f'<th{f" align={chr(34)}{a}{chr(34)}" if a else ""}>{htmllib.escape(_text(draw))}</th>' for a in aligns)
    rows = []
    for _ in range(draw(st.integers(1, 3))):
        cells = "".join(f"<td>{draw(inline())}</td>" for _ in range(columns))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@st.composite
def figure(draw) -> str:
    n = draw(st.integers(0, 999))
    content = draw(st.sampled_from(["image", "code", "table"]))
    body = {"image": f'<img src="https://img.example/fig{n}.png" alt="figure {n}">',
            "code": draw(code_block()), "table": draw(table())}[content]
    caption = draw(st.sampled_from(["inline", "paragraphs", "list"]))
    if caption == "inline":
        inner = draw(inline())
    elif caption == "paragraphs":
        inner = f"<p>{draw(inline())}</p><p>{draw(inline())}</p>"
    else:
        inner = f"<p>{draw(inline())}</p>{draw(a_list(2))}"
    return f"<figure>{body}<figcaption>{inner}</figcaption></figure>"


@st.composite
def document(draw) -> str:
    blocks = []
    for kind in draw(st.lists(st.sampled_from(["p", "pre", "list", "table", "figure", "details"]), min_size=1, max_size=5)):
        if kind == "p":
            blocks.append(f"<p>{draw(inline())}</p>")
        elif kind == "pre":
            blocks.append(draw(code_block()))
        elif kind == "list":
            blocks.append(draw(a_list()))
        elif kind == "table":
            blocks.append(draw(table()))
        elif kind == "figure":
            blocks.append(draw(figure()))
        else:
            blocks.append(f"<details><summary>{htmllib.escape(_text(draw))}</summary>{draw(code_block())}</details>")
    return "".join(blocks)


# ---------------------------------------------------------------- what a page shows


@dataclass(frozen=True)
class Shown:
    """What a reader gets from a page, in order."""

    text: str
    code: list[tuple[str, str]]
    links: list[str]
    images: list[str]
    items: list[tuple[int, str]]
    cells: list[list[str]]
    captions: list[str]


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _own_text(li: Tag) -> str:
    return _squeeze("".join(s for s in li.find_all(string=True) if s.find_parent(["ul", "ol"]) is li.parent
                            and s.find_parent("li") is li and s.find_parent("pre") is None))


def _source_code(pre: Tag) -> tuple[str, str]:
    code = pre.find("code") or pre
    lang = next((c[len("language-"):] for c in code.get("class") or [] if c.startswith("language-")), "")
    text = pre.get_text()
    return lang, text[:-1] if text.endswith("\n") else text


def _page_code(pre: Tag) -> tuple[str, str]:
    code = pre.find("code")
    lang = next((c[len("language-"):] for c in code.get("class") or [] if c.startswith("language-")), "")
    text = code.get_text()
    return lang, text[:-1] if text.endswith("\n") else text


def shown(soup: BeautifulSoup, page: bool) -> Shown:
    for br in soup.find_all("br"):
        br.replace_with(" " if br.find_parent("pre") is None else "\n")
    return Shown(
        text=_squeeze(soup.get_text()),
        code=[(_page_code if page else _source_code)(pre) for pre in soup.find_all("pre")],
        links=[a["href"] for a in soup.find_all("a", href=True)],
        images=[img["src"] for img in soup.find_all("img")],
        items=[(len(li.find_parents(["ul", "ol"])), _own_text(li)) for li in soup.find_all("li")],
        cells=[[_squeeze(c.get_text()) for c in t.find_all(["td", "th"])] for t in soup.find_all("table")],
        captions=[_squeeze(c.get_text()) for c in soup.find_all("figcaption") if c.find_parent("figure") is not None],
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source=document())
def test_rendered_page_keeps_what_the_source_shows(source):
    want = shown(BeautifulSoup(source, "html.parser"), page=False)
    got = shown(render(convert_body(source, "html", "https://blog.example/post/")), page=True)
    assert got.text == want.text
    assert got.code == want.code
    assert got.links == want.links
    assert got.images == want.images
    assert got.items == want.items
    assert got.cells == want.cells
    assert got.captions == want.captions
