"""Remake ``static/favicon.ico`` from ``static/favicon.svg`` (run after changing the SVG).

    python tools/make_favicon.py

Pages link the SVG; the ICO is for what asks for ``/favicon.ico`` without reading a page
(feed readers, search results, older browsers). Debian's Chromium, through Playwright
(as the browser tests use it), draws the SVG at 16, 32 and 48 px; the three PNGs go
into one ICO file (the ICO format stores PNG images as they are).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "static"
SIZES = (16, 32, 48)


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding ``pngs`` (size -> PNG bytes), smallest first."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, data in sorted(pngs.items()):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset + len(images))
        images += data
    return header + entries + images


def render(svg: str) -> dict[int, bytes]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        pngs = {}
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(f'<body style="margin:0">{svg.replace("<svg ", f"<svg width={size} height={size} ", 1)}</body>')
            pngs[size] = page.screenshot(omit_background=True)
            page.close()
        browser.close()
    return pngs


def main() -> int:
    data = ico(render((STATIC / "favicon.svg").read_text(encoding="utf-8")))
    (STATIC / "favicon.ico").write_bytes(data)
    print(f"static/favicon.ico: {len(data)} bytes ({', '.join(f'{s} px' for s in SIZES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
