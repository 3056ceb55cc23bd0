"""people.py: a feed's author field reduced to a name, with no e-mail address left."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.people import person_name


@pytest.mark.parametrize("author, name", [
    ("Anthony (noreply@blogger.com)", "Anthony"),  # Blogger, as feedparser joins it
    ("noreply@blogger.com (Anthony)", "Anthony"),  # RSS 2.0 <author>
    ("Ann Lee <ann@example.org>", "Ann Lee"),
    ("mailto:ann@example.org", ""),
    ("ann@example.org", ""),
    ("<ann@example.org>", ""),
    ("Ann, bob@example.org", "Ann"),
    ("Ann (Editor)", "Ann (Editor)"),  # brackets that hold no address stay
    ("@ann on Mastodon", "@ann on Mastodon"),  # a handle is not an address
    ("  Ann  ", "Ann"),
    ("", ""),
])
def test_person_name(author: str, name: str):
    assert person_name(author) == name


# A word of letters or digits, maybe joined to another by an apostrophe, a dot or a hyphen ("O'Neil", "Jean-Luc").
_WORD = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=10)
_NAME = st.builds(lambda a, sep, b: a + sep + b if sep else a, _WORD, st.sampled_from(["", "'", ".", "-"]), _WORD)
_ADDRESS = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


@settings(max_examples=200, deadline=None)
@given(first=_NAME, last=_NAME, email=st.emails(), shape=st.sampled_from(["{n} ({e})", "{e} ({n})", "{n} <{e}>", "{n}, {e}", "{e}"]))
def test_no_address_survives_and_the_name_does(first: str, last: str, email: str, shape: str):
    name = f"{first} {last}"
    result = person_name(shape.format(n=name, e=email))
    assert not _ADDRESS.search(result)
    assert result == ("" if shape == "{e}" else name)
