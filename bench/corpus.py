"""A synthetic corpus for benchmarks: N Markdown posts with realistic bodies.

Each post has front matter like an authored post (title, date, tags, sometimes a
summary), and a body with headings, paragraphs with inline code and links, 2-5 fenced
code blocks (python, bash, sql, yaml, json), lists, and sometimes a table or an image.
The same ``n`` and ``seed`` always give the same files, every post dated in the past
(before 2025), so every one is published. With ``imported`` the posts are
written as articles imported from a feed (``source``, ``original_url``, ``guid``), which
the build renders as untrusted: their HTML is sanitised again after Markdown.

    python bench/corpus.py 1000 /tmp/corpus-1000      # a site folder: site.toml, content/posts/
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["LAST_DATE", "first_date", "make_corpus", "post_text", "WORDS", "TAGS"]

WORDS = (
    "python async await thread process cache index query table column import module "
    "package build deploy server client request response stream buffer parser token "
    "value string number list tuple mapping generator iterator context manager error "
    "retry timeout backoff queue worker schedule metric trace log config secret key "
    "data frame array vector model test fixture mock coverage branch merge commit"
).split()
TAGS = ["python", "django", "flask", "fastapi", "asyncio", "testing", "data", "sql", "devops",
        "packaging", "typing", "performance", "web", "cli", "security", "tutorial"]

LAST_DATE = datetime(2025, 1, 1, tzinfo=timezone.utc)  # no post is dated later

CODE = {
    "python": 'import {w1}\n\n\ndef {w2}_{w3}(items: list[int]) -> int:\n    """Sum the {w1} values."""\n    total = 0\n    for item in items:\n        if item % 2:\n            total += item * {n}\n    return total\n\n\nclass {W}:\n    def __init__(self, name: str) -> None:\n        self.name = name\n\n    async def run(self) -> None:\n        await {w1}.sleep({n})\n',
    "bash": '#!/usr/bin/env bash\nset -euo pipefail\nfor f in src/*.py; do\n  echo "checking $f"\n  python -m {w1} "$f" --{w2}={n}\ndone\npip install {w3}=={n}.0.1\n',
    "sql": "SELECT {w1}.id, count(*) AS {w2}_count\nFROM {w1}\nJOIN {w3} ON {w3}.{w1}_id = {w1}.id\nWHERE {w1}.created_at > now() - interval '{n} days'\nGROUP BY {w1}.id\nORDER BY {w2}_count DESC\nLIMIT {n};\n",
    "yaml": "name: {w1}\non:\n  push:\n    branches: [main]\njobs:\n  {w2}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install {w3}\n      - run: pytest -q --maxfail={n}\n",
    "json": '{{\n  "name": "{w1}",\n  "version": "{n}.0.0",\n  "settings": {{"{w2}": true, "{w3}": [1, 2, {n}]}},\n  "description": "the {w1} {w2} {w3}"\n}}\n',
}


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.4:
        words[rng.randrange(len(words))] = f"`{rng.choice(WORDS)}()`"
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}](https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 999)})"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _code(rng: random.Random) -> str:
    lang = rng.choice(list(CODE))
    w1, w2, w3 = rng.sample(WORDS, 3)
    body = CODE[lang].format(w1=w1, w2=w2, w3=w3, W=w1.title(), n=rng.randint(1, 99))
    return f"```{lang}\n{body}```"


def _table(rng: random.Random) -> str:
    rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} | `{rng.choice(WORDS)}` |" for _ in range(rng.randint(2, 5))]
    return "| name | value | call |\n| --- | ---: | --- |\n" + "\n".join(rows)


def _list(rng: random.Random) -> str:
    marker = rng.choice(["-", "1."])
    return "\n".join(f"{marker} {_sentence(rng)}" for _ in range(rng.randint(3, 6)))


def post_text(i: int, rng: random.Random, start: datetime, imported: bool = False) -> str:
    """One post file's text."""
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).title() + f" {i}"
    date = start + timedelta(hours=7 * i, minutes=rng.randint(0, 59))
    tags = rng.sample(TAGS, rng.randint(1, 4))
    front = [f"title: {title}", f"date: {date.strftime('%Y-%m-%dT%H:%M:%SZ')}", f"tags: [{', '.join(tags)}]"]
    if imported:
        front += ["source: bench", "platform: generic", f"original_url: https://blog.example/post-{i}/", f"guid: urn:bench:{i}"]
    if rng.random() < 0.3:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16)))
        front.append(f'summary: "{words.capitalize()}."')
    blocks = [_paragraph(rng)]
    codes = rng.randint(2, 5)
    for section in range(rng.randint(2, 4)):
        blocks.append(f"## {' '.join(rng.sample(WORDS, 3)).title()} {section + 1}")
        blocks.append(_paragraph(rng))
        if codes:
            blocks.append(_code(rng))
            codes -= 1
        if rng.random() < 0.5:
            blocks.append(_list(rng))
        if rng.random() < 0.15:
            blocks.append(_table(rng))
        if rng.random() < 0.1:
            blocks.append(f"![{rng.choice(WORDS)} diagram](/images/{rng.choice(WORDS)}-{i}.png)")
        blocks.append(_paragraph(rng))
    while codes:
        blocks.append(_code(rng))
        codes -= 1
    return "---\n" + "\n".join(front) + "\n---\n" + "\n\n".join(blocks) + "\n"


def first_date(n: int) -> datetime:
    """Posts are seven hours apart from 2015: up to 5,000 end in 2019, as they always did;
    a larger corpus starts earlier, so that its last post is before :data:`LAST_DATE` (a
    post dated in the future is not published: from 2015, 5,000 of 20,000 would not be)."""
    return min(datetime(2015, 1, 1, tzinfo=timezone.utc), LAST_DATE - timedelta(hours=7 * n))


def make_corpus(root: Path, n: int, seed: int = 1, imported: bool = False) -> Path:
    """Write a site with ``n`` posts under ``root`` (site.toml + content/posts/, or
    content/bench/ when ``imported``); return root."""
    rng = random.Random(seed)
    start = first_date(n)
    posts = root / "content" / ("bench" if imported else "posts")
    posts.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(
        'title = "Bench"\nbase_url = "https://bench.example/"\ndescription = "A benchmark corpus."\n', encoding="utf-8"
    )
    for i in range(n):
        text = post_text(i, rng, start, imported)
        date = (start + timedelta(hours=7 * i)).strftime("%Y-%m-%d")
        (posts / f"{date}-post-{i:05d}.md").write_text(text, encoding="utf-8")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("root", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--imported", action="store_true", help="articles imported from a feed, not authored posts")
    args = parser.parse_args()
    make_corpus(args.root, args.n, args.seed, args.imported)


if __name__ == "__main__":
    main()
