#!/usr/bin/env python3
"""What the second wall costs: Markdown -> HTML for the corpus, as authored posts and as
imported articles (whose HTML ``markup`` cleans again with the import allowlist).

Both renders run on the same bodies, post by post in alternating order, in one process
(a busy machine slows both alike); medians of ``--repeat`` passes are printed, with the
cost per post and what it adds to a clean build of 5,000 imported posts.

    python bench/bench_render.py [--posts 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import cmarkgfm  # noqa: E402
from corpus import post_text  # noqa: E402

from generator.allowlist import clean_rendered  # noqa: E402
from generator.site.markup import _EXTENSIONS, _OPTIONS, MarkdownRenderer  # noqa: E402


def bodies(n: int) -> list[str]:
    rng = random.Random(1)
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    return [post_text(i, rng, start).split("\n---\n", 1)[1] for i in range(n)]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = bodies(args.posts)
    renderer = MarkdownRenderer()
    # what clean_rendered is given in a build: cmark's HTML, before highlighting
    html = [cmarkgfm.markdown_to_html_with_extensions(t, options=_OPTIONS, extensions=_EXTENSIONS) for t in texts]
    trusted, untrusted, cleaning = [], [], []
    for _ in range(args.repeat):
        # post by post, in alternating order: a busy machine's slow seconds fall on both alike
        times = {False: 0.0, True: 0.0}
        for n, text in enumerate(texts):
            for flag in ((False, True) if n % 2 else (True, False)):
                times[flag] += timed(partial(renderer.render, text, untrusted=flag))
        trusted.append(times[False])
        untrusted.append(times[True])
        cleaning.append(timed(lambda: [clean_rendered(h) for h in html]))
    t, u, c = (statistics.median(x) for x in (trusted, untrusted, cleaning))
    per_post = (u - t) / args.posts * 1000
    print(f"{args.posts} posts, medians of {args.repeat} passes")
    print(f"  render as authored posts       {t:6.3f} s  ({t / args.posts * 1000:.3f} ms a post)")
    print(f"  render as imported articles    {u:6.3f} s  ({u / args.posts * 1000:.3f} ms a post)")
    print(f"  clean_rendered alone           {c:6.3f} s  ({c / args.posts * 1000:.3f} ms a post)")
    print(f"  second wall: +{per_post:.3f} ms a post, +{per_post * 5:.2f} s of CPU for 5,000 imported posts "
          f"(shared by the build's render workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
