"""cmark-gfm's Markdown -> HTML, called so that it frees what it allocates.

``cmarkgfm.markdown_to_html_with_extensions`` (cmarkgfm 2025.10.22) frees the parser
but neither the document tree ``cmark_parser_finish`` hands over nor the HTML buffer
``cmark_render_html`` returns: about 35 KB of C memory lost per call, which Python
cannot see or collect. A Markdown worker of a clean build renders half the site, so at
20,000 posts each worker grew past 350 MB. ``markdown_to_html`` here makes the same
calls through the binding's own C functions, then frees the tree with
``cmark_node_free`` (exported by the binding's library, not declared to cffi) and the
buffer with the C library's ``free`` (cmark's default allocator is malloc's), both
reached through ctypes. Where those cannot be found, it falls back to the binding's
function, leak and all.
"""

from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Any, Callable, Sequence

import cmarkgfm
from cmarkgfm import _cmark

__all__ = ["markdown_to_html"]


@lru_cache(maxsize=1)
def _freers() -> tuple[Callable[[int], None], Callable[[int], None]] | None:
    """(cmark_node_free, free) as ctypes functions, or None when either is not there."""
    try:
        node_free = ctypes.CDLL(_cmark.__file__).cmark_node_free
        libc_free = ctypes.CDLL(None).free
    except (OSError, AttributeError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None
    for function in (node_free, libc_free):
        function.argtypes, function.restype = [ctypes.c_void_p], None
    return node_free, libc_free


@lru_cache(maxsize=8)
def _extensions(names: tuple[str, ...]) -> list[Any]:
    _cmark.lib.cmark_gfm_core_extensions_ensure_registered()
    found = [_cmark.lib.cmark_find_syntax_extension(name.encode()) for name in names]
    if any(e == _cmark.ffi.NULL for e in found):
        raise ValueError(f"unknown cmark-gfm extension among {names}")
    return found


def _address(pointer: Any) -> int:
    return int(_cmark.ffi.cast("uintptr_t", pointer))


def markdown_to_html(text: str, options: int, extensions: Sequence[str]) -> str:
    """What ``cmarkgfm.markdown_to_html_with_extensions`` returns, without its leak."""
    freers = _freers()
    if freers is None:
        html: str = cmarkgfm.markdown_to_html_with_extensions(text, options=options, extensions=list(extensions))
        return html  # (typed here: cmarkgfm has no type information)
    node_free, libc_free = freers
    lib, ffi = _cmark.lib, _cmark.ffi
    attach = _extensions(tuple(extensions))
    parser = lib.cmark_parser_new(options)
    try:
        for extension in attach:
            lib.cmark_parser_attach_syntax_extension(parser, extension)
        data = text.encode("utf-8")
        lib.cmark_parser_feed(parser, data, len(data))
        root = lib.cmark_parser_finish(parser)
        if lib.cmark_node_get_type(root) == lib.CMARK_NODE_NONE:
            raise ValueError("Error parsing markdown!")
        try:
            raw = lib.cmark_render_html(root, options, lib.cmark_parser_get_syntax_extensions(parser))
            try:
                rendered: bytes = ffi.string(raw)  # (typed here: the cffi module has no type information)
                return rendered.decode("utf-8")
            finally:
                libc_free(_address(raw))
        finally:
            node_free(_address(root))
    finally:
        lib.cmark_parser_free(parser)
