"""README.md: a new user's first screen. It opens with the two commands, then "your own
planet in five steps"; its links lead to files and headings that exist; cache internals
live in docs/BUILD-CACHE.md, which it links."""

from __future__ import annotations

import re

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _sections(text: str) -> list[tuple[str, str]]:
    parts = re.split(r"(?m)^## (.+)$", text)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_readme_opens_with_the_two_commands_then_five_steps_to_your_own_planet():
    intro = README.split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", intro, re.DOTALL).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["pip install -r requirements.txt && python build.py", "pip install -r requirements-dev.txt && python -m pytest"]
    title, body = _sections(README)[0]
    assert title.lower() == "your own planet in five steps"
    steps = re.findall(r"(?m)^(\d)\. (.*(?:\n   .*)*)", body)
    assert [n for n, _ in steps] == ["1", "2", "3", "4", "5"]
    words = [("template",), ("site.toml",), ("feeds/feeds.toml", "feeds add"), ("Push", "Netlify"), ("schedule", "fetch.yml")]
    for (number, text), expected in zip(steps, words, strict=True):
        assert all(w in text for w in expected), (number, expected, text)


def test_every_link_in_the_readme_and_docs_leads_somewhere():
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        source = doc.read_text(encoding="utf-8")
        anchors = {_anchor(h) for h in re.findall(r"(?m)^#+ (.+)$", source)}
        text = re.sub(r"```.*?```|`[^`\n]*`", "", source, flags=re.DOTALL)  # code shows links, it has none
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://")):
                continue
            path, _, fragment = target.partition("#")
            if path:
                assert (doc.parent / path).exists(), f"{doc.name}: {target}"
            else:
                assert fragment in anchors, f"{doc.name}: #{fragment} is no heading"


def test_cache_internals_live_in_docs_not_in_the_readme():
    assert "(docs/BUILD-CACHE.md)" in README
    internals = ("pack.bin", "append-only", "out-<hash>", "CRC")
    assert not [w for w in internals if w in README]
    cache_doc = (REPO / "docs" / "BUILD-CACHE.md").read_text(encoding="utf-8")
    assert all(w in cache_doc for w in ("pack.bin", "cache.sqlite", "quick path", "--clean"))
