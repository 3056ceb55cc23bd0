"""The output manifest's small fields as JSON columns, each checked against its type hint.

A small field of ``OutputManifest`` is stored as the JSON of its value under its name
(``manifest.py``); reading it back, the value must fit the field's type hint (str, int,
bool, None, list[...], dict[str, ...], unions of them, a NamedTuple as a list of its
fields, or a class with ``to_json``/``from_json``), or it is :data:`BAD`: a bad row
costs the manifest, never correctness.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import orjson

from generator.incremental.cachedb import to_json

__all__ = ["BAD", "encode_field", "decode_field", "loads", "fits"]


def encode_field(value: Any) -> str:
    """A small field's JSON column."""
    return to_json(value.to_json() if hasattr(value, "to_json") else value)


def decode_field(column: Any, hint: Any) -> Any:
    """A small field's value from its JSON column, or BAD when it is not of its type."""
    value = loads(column)
    if isinstance(hint, type) and hasattr(hint, "from_json"):
        made = hint.from_json(value)
        return BAD if made is None or value is BAD else made
    return value if fits(value, hint) else BAD


def loads(value: Any) -> Any:
    try:
        return orjson.loads(value)
    except (ValueError, TypeError):
        return BAD


BAD = object()  # a value that is not JSON: fits no type


def fits(value: Any, hint: Any) -> bool:
    """The JSON value is of the type hint (str, int, bool, list[...], dict[str, ...],
    unions of them; a NamedTuple is a list of its fields' types)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if origin is list:
        return type(value) is list and all(fits(v, args[0]) for v in value)
    if origin is dict:
        return type(value) is dict and all(fits(v, args[1]) for v in value.values())
    if isinstance(hint, type) and issubclass(hint, tuple) and hasattr(hint, "_fields"):  # a NamedTuple
        fields = typing.get_type_hints(hint)
        return type(value) is list and len(value) == len(fields) and all(fits(v, t) for v, t in zip(value, fields.values(), strict=True))
    if hint is Any:
        return value is not BAD
    if hint is type(None):
        return value is None
    return type(value) is hint
