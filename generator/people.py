"""How a person is named on the site: a feed's author field reduced to a name.

Feeds give authors as ``Anthony (noreply@blogger.com)`` (Blogger, and every RSS
``<author>``, which RSS 2.0 defines as an e-mail address), ``ann@example.org (Ann)``,
``Ann <ann@example.org>`` or a bare address. A reader needs the name, and an address
(often a no-reply one) has no place in a byline, a feed, JSON-LD or ``article:author``:
every address is taken out, with the brackets or parentheses around it, and an author
that was only an address becomes no author at all.
"""

from __future__ import annotations

import re

__all__ = ["person_name"]

# An address, with "mailto:" and any brackets or parentheses that wrap it alone.
_ADDRESS = re.compile(
    r"[(<\[]?\s*(?:mailto:)?[^\s@()<>\[\],;:]+@[^\s@()<>\[\],;:]+\.[^\s@()<>\[\],;:]+\s*[)>\]]?",
    re.IGNORECASE,
)


def person_name(author: str) -> str:
    """``Anthony (noreply@blogger.com)`` -> ``Anthony``; ``bob@example.org`` -> ``""``."""
    if "@" not in author:
        return author.strip()
    name = _ADDRESS.sub(" ", author)
    name = re.sub(r"\(\s*\)|<\s*>|\[\s*\]", " ", name)  # brackets an address left empty
    name = re.sub(r"\s+", " ", name).strip(" ,;:-–—")
    # "Ann (Editor)" keeps its brackets; "(Ann)" alone is the name the address came with.
    match = re.fullmatch(r"\((.*)\)", name)
    return (match.group(1) if match else name).strip()
