"""Many elements unwrapped or removed at once, in time linear in the tree."""

from __future__ import annotations

import bs4.element
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.normalise import convert_body
from generator.normalise.treeops import remove_all, unwrap_all


def _count_index_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = bs4.element.Tag.index
    monkeypatch.setattr(bs4.element.Tag, "index", lambda self, el: calls.append(1) or original(self, el))
    return calls


def test_unwrap_all_gives_what_unwrapping_one_by_one_gives():
    html = "<p>a <a href='#'>b <a href='#'>c</a> d</a> <b>e</b> <a href=''>f<i>g</i></a></p><div><a>h</a></div>"
    one_by_one, at_once = BeautifulSoup(html, "html.parser"), BeautifulSoup(html, "html.parser")
    for a in one_by_one.find_all("a"):
        a.unwrap()
    unwrap_all(at_once.find_all("a"))
    assert str(at_once) == str(one_by_one) and at_once.get_text() == one_by_one.get_text()
    assert [str(s) for s in at_once.descendants] == [str(s) for s in one_by_one.descendants]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["<a>", "</a>", "<b>", "</b>", "<p>", "</p>", "x", " y", "<img>", "<i>", "</i>"]), max_size=40),
       st.sampled_from(["a", "b", "i", "p", "img"]), st.booleans())
def test_edits_at_once_match_edits_one_by_one(pieces, name, remove):
    html = "".join(pieces)
    one_by_one, at_once = BeautifulSoup(html, "html.parser"), BeautifulSoup(html, "html.parser")
    for tag in one_by_one.find_all(name):
        if tag.parent is not None:
            tag.decompose() if remove else tag.unwrap()
    (remove_all if remove else unwrap_all)(at_once.find_all(name))
    assert str(at_once) == str(one_by_one)
    assert [str(s) for s in at_once.descendants] == [str(s) for s in one_by_one.descendants]


def test_a_paragraph_of_empty_links_and_pixels_is_cleaned_without_scanning_siblings(monkeypatch):
    calls = _count_index_calls(monkeypatch)
    body = "<p>" + "<a href='#'>x</a> <img src='https://t.example/p.gif' width='1' height='1'> " * 2000 + "</p>"
    assert convert_body(body).count("x") == 2000
    assert len(calls) < 100
