"""Attribute values of bs4 elements as the plain strings the code means.

bs4 gives an attribute as a ``str``, or as a list of words for the attributes HTML
defines as space-separated (``class``, ``rel``, ...), or None when it is absent. Every
reader of a parsed page (discovery, the normaliser) wants one of two things, written here
once: the value as text, or its words.
"""

from __future__ import annotations

from bs4 import Tag

__all__ = ["attr", "attr_words"]


def attr(tag: Tag, name: str) -> str:
    """Attribute ``name`` of ``tag`` as text: "" when absent, a list of words joined by spaces."""
    value = tag.get(name)
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(value)


def attr_words(tag: Tag, name: str) -> list[str]:
    """The space-separated words of attribute ``name`` (``class``, ``rel``); [] when absent."""
    value = tag.get(name)
    if value is None:
        return []
    return value.split() if isinstance(value, str) else list(value)
