"""Tables: GitHub pipe tables when the table fits one, raw HTML with Markdown cells
otherwise.

A pipe table needs a header row of ``<th>``, the same number of cells in every row, no
``colspan``/``rowspan``, no row headers (``<th>`` in a body row), no block content in a
cell and no nested table. It keeps each column's alignment (``align`` or the
``text-align`` style) in its delimiter row, and escapes every ``|`` a cell's Markdown
holds - in code spans and link targets too, where GFM reads ``\\|`` as a pipe.

Any other table keeps its structure as raw HTML: its rows and cells with their spans,
scope and alignment; a cell with only inline content is inline HTML on one line, a cell
with blocks (lists, code, paragraphs) holds its Markdown between blank lines, which
CommonMark parses inside the raw HTML.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from bs4 import Tag

__all__ = ["TableMixin", "cell_alignment"]

ALIGNMENTS = ("left", "center", "right")
CELL_ATTRS = ("colspan", "rowspan", "scope")
UNESCAPED_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\|")


def cell_alignment(cell: Tag) -> str:
    """left, center, right or "" from ``align``, ``class="has-text-align-..."`` or
    ``style="text-align: ..."``."""
    align = str(cell.get("align", "")).strip().lower()
    if not align:  # WordPress' blocks say it with a class
        align = next((c[len("has-text-align-"):] for c in cell.get("class") or [] if c.startswith("has-text-align-")), "")
    if not align:
        match = re.search(r"text-align\s*:\s*(\w+)", str(cell.get("style", "")), re.I)
        align = match.group(1).lower() if match else ""
    return align if align in ALIGNMENTS else ""


def _cells(row: Tag) -> list[Tag]:
    return row.find_all(["td", "th"], recursive=False)


def _delimiter(align: str) -> str:
    return {"left": ":---", "center": ":---:", "right": "---:"}.get(align, "---")


class TableMixin:
    """The converter's tables; the converter provides ``inline_children``, ``blocks``,
    ``contains_block``, ``clean_inline_html`` and ``paragraph``."""

    if TYPE_CHECKING:  # the converter's, for the type checker
        def blocks(self, node: Tag) -> list[str]: ...
        def inline_children(self, node: Tag) -> str: ...
        def contains_block(self, node: Tag) -> bool: ...
        def clean_inline_html(self, node: Tag) -> str: ...
        def paragraph(self, text: str) -> str: ...

    def block_table(self, node: Tag) -> list[str]:
        rows = [tr for tr in node.find_all("tr") if tr.find_parent("table") is node]
        if not rows:
            return []
        out = [self.pipe_table(rows) if self.fits_pipe_table(node, rows) else self.raw_table(node, rows)]
        caption = node.find("caption", recursive=False)
        if caption is not None and caption.get_text(strip=True) and out[0].startswith("|"):
            out.insert(0, self.paragraph(self.inline_children(caption)))
        return out

    def fits_pipe_table(self, node: Tag, rows: list[Tag]) -> bool:
        header = _cells(rows[0])
        every = [cell for row in rows for cell in _cells(row)]
        return bool(header) and all(c.name == "th" for c in header) \
            and not any(c.get("colspan") or c.get("rowspan") for c in every) \
            and not any(c.name == "th" for row in rows[1:] for c in _cells(row)) \
            and not any(self.contains_block(c) for c in every) \
            and all(len(_cells(r)) == len(header) for r in rows) \
            and node.find("table") is None \
            and not any("\\|" in code.get_text() for code in node.find_all("code"))  # GFM cannot say it in a cell

    def pipe_table(self, rows: list[Tag]) -> str:
        header = _cells(rows[0])
        aligns = [cell_alignment(c) or next((cell_alignment(_cells(r)[i]) for r in rows[1:2]), "") for i, c in enumerate(header)]
        lines = [self.table_row(rows[0]), "| " + " | ".join(_delimiter(a) for a in aligns) + " |"]
        lines += [self.table_row(r) for r in rows[1:]]
        return "\n".join(lines)

    def table_row(self, row: Tag) -> str:
        cells = []
        for cell in _cells(row):
            text = re.sub(r"\s+", " ", self.inline_children(cell).replace("<br>\n", "<br>")).strip()
            cells.append(UNESCAPED_PIPE.sub(r"\1\\|", text) or " ")
        return "| " + " | ".join(cells) + " |"

    def raw_table(self, node: Tag, rows: list[Tag]) -> str:
        lines = ["<table>"]
        caption = node.find("caption", recursive=False)
        if caption is not None and caption.get_text(strip=True):
            lines.append(f"<caption>{self.one_line(self.clean_inline_html(caption))}</caption>")
        section = ""
        for row in rows:
            parent = row.parent.name if row.parent is not None and row.parent.name in ("thead", "tbody", "tfoot") else "tbody"
            if parent != section:
                lines += [f"</{section}>"] if section else []
                lines.append(f"<{parent}>")
                section = parent
            lines.append("<tr>")
            lines += [self.raw_cell(cell) for cell in _cells(row)]
            lines.append("</tr>")
        lines += [f"</{section}>", "</table>"]
        return "\n".join(lines)

    def raw_cell(self, cell: Tag) -> str:
        attrs = "".join(f' {key}="{html.escape(str(cell[key]), quote=True)}"' for key in CELL_ATTRS if cell.get(key))
        align = cell_alignment(cell)
        attrs += f' align="{align}"' if align else ""
        if self.contains_block(cell):
            inner = "\n\n".join(self.blocks(cell))
            return f"<{cell.name}{attrs}>\n\n{inner}\n\n</{cell.name}>"
        return f"<{cell.name}{attrs}>{self.one_line(self.clean_inline_html(cell))}</{cell.name}>"

    @staticmethod
    def one_line(inline_html: str) -> str:
        """Inline HTML on one line: a blank line would end CommonMark's HTML block."""
        return re.sub(r"\s*\n\s*", " ", inline_html)
