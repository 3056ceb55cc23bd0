"""Time whole build commands on a synthetic corpus, ours beside Pelican's and Hugo's.

For each N (default 1,000, 5,000 and 20,000 posts) and each tool, in the same run on
the same posts: a clean build (no output, no cache), a no-op rebuild (nothing changed)
and a one-post edit rebuild (one body changed), each as a whole command in a
subprocess, repeated and reported as medians, with the peak memory (largest RSS of the
command's processes, from GNU time). For ours also a deploy: the build Netlify runs
after a scheduled fetch (a fresh checkout in the same folder, the build cache and
public/ restored by copying, with new file times, and one new post). Then, between
consecutive sizes, how much each figure grows per extra post, and the issue's targets.
Not a test: it prints tables and writes them as JSON (``results.json`` in ``--work``).

    python bench/bench_build.py                          # N = 1000 5000 20000, all tools
    python bench/bench_build.py --sizes 1000 5000 20000 --tools ours hugo --repeat 1 --ref-repeat 1
    python bench/bench_build.py --sizes 200 --tools ours --repeat 1
    python bench/bench_build.py --sizes 1000 --tools ours --imported   # imported articles (sanitised twice)

Reference tools, when installed (the script skips and says so when not):
- Pelican, in its own virtualenv so its pins never touch ours:
  ``python -m venv bench/.venv-pelican && bench/.venv-pelican/bin/pip install pelican==4.12.0 Markdown==3.11.3``
  (or pass ``--pelican PATH/TO/pelican``); it runs with its content cache on
  (``LOAD_CONTENT_CACHE``, ``CACHE_CONTENT``) and its default theme.
- Hugo, Debian's package: ``apt-get install -y hugo``; minimal layouts with the same
  pages (posts, a paginated index, tag pages, RSS) and highlighting with CSS classes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import LAST_DATE, make_corpus, post_text  # noqa: E402

GNU_TIME = shutil.which("time") or "/usr/bin/time"


# ---------------------------------------------------------------- running one command


def run(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time (s) and peak RSS (MB) of one command; raise when it fails."""
    start = time.perf_counter()
    proc = subprocess.run([GNU_TIME, "-f", "MAXRSS %M", *cmd], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    match = re.search(r"MAXRSS (\d+)", proc.stderr)
    return elapsed, int(match.group(1)) // 1024 if match else -1


# ---------------------------------------------------------------- the tools


class Ours:
    name = "ours"

    def __init__(self, root: Path):
        self.root = root
        self.cmd = [sys.executable, str(REPO / "build.py"), "-q", "--root", str(root), "build"]

    def prepare(self, posts: Path) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.posts = self.root / posts.relative_to(posts.parent.parent)  # content/posts, or content/bench
        make_site = self.root
        shutil.copytree(posts.parent.parent, make_site)  # the corpus is already our layout
        for name in ("templates", "static"):
            shutil.copytree(REPO / name, make_site / name)
        # Byte-compile our code once, as pip does for an installed package (Pelican's
        # is): where PYTHONDONTWRITEBYTECODE is set, every run would compile it again.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "generator")], check=True)

    def clean(self) -> None:
        for name in ("public", ".cache"):
            shutil.rmtree(self.root / name, ignore_errors=True)

    def post_dir(self) -> Path:
        return self.posts

    def kept_mb(self) -> int:
        """What Netlify's build cache copies in and out for each deploy: .cache/build/ and public/."""
        files = [p for name in ("public", ".cache/build") for p in (self.root / name).rglob("*") if p.is_file()]
        return round(sum(p.stat().st_size for p in files) / 2**20)

    def fresh_checkout_after_fetch(self, n: int, run_number: int) -> None:
        """The site as Netlify's next build finds it: a fresh clone in the same folder (new
        inodes and file times), the build cache and public/ copied back from Netlify's
        cache (new times: its copy keeps them to the millisecond at best), and one new
        post from a scheduled fetch, the newest."""
        kept = self.root.with_name(self.root.name + ".kept")
        fresh = self.root.with_name(self.root.name + ".fresh")
        for folder in (kept, fresh):
            shutil.rmtree(folder, ignore_errors=True)
        kept.mkdir()
        for name in ("public", ".cache"):
            os.rename(self.root / name, kept / name)
        shutil.copytree(self.root, fresh, copy_function=shutil.copyfile)
        shutil.rmtree(self.root)
        os.rename(fresh, self.root)
        for name in ("public", ".cache/build"):
            shutil.copytree(kept / name, self.root / name, copy_function=shutil.copyfile)
        shutil.rmtree(kept)
        number = n + run_number
        start = LAST_DATE + timedelta(days=1 + run_number) - timedelta(hours=7 * number)  # dated after every other post
        (self.posts / f"{(LAST_DATE + timedelta(days=1 + run_number)):%Y-%m-%d}-fetched-{run_number}.md").write_text(
            post_text(number, random.Random(number), start, imported=self.posts.name == "bench"), encoding="utf-8"
        )


PELICAN_CONF = """\
AUTHOR = "Bench"
SITENAME = "Bench"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = "feeds/all.atom.xml"
TAG_FEED_ATOM = "feeds/{slug}.atom.xml"
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
CHECK_MODIFIED_METHOD = "mtime"
DELETE_OUTPUT_DIRECTORY = False
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight"},
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
"""


class Pelican:
    name = "pelican"

    def __init__(self, root: Path, exe: str):
        self.root = root
        self.cmd = [exe, "-q", "content", "-s", "pelicanconf.py", "-o", "output"]

    def prepare(self, posts: Path) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "content").mkdir(parents=True)
        (self.root / "pelicanconf.py").write_text(PELICAN_CONF)
        for src in sorted(posts.glob("*.md")):
            (self.root / "content" / src.name).write_text(to_pelican(src.read_text()))

    def clean(self) -> None:
        for name in ("output", "cache"):
            shutil.rmtree(self.root / name, ignore_errors=True)

    def post_dir(self) -> Path:
        return self.root / "content"


def to_pelican(text: str) -> str:
    """Our YAML front matter -> Pelican's ``Key: value`` Markdown metadata."""
    _, front, body = text.split("---\n", 2)
    meta = dict(line.split(": ", 1) for line in front.strip().splitlines())
    lines = [f"Title: {meta['title']}", f"Date: {meta['date'].replace('T', ' ').rstrip('Z')}"]
    lines.append("Tags: " + ", ".join(t.strip() for t in meta.get("tags", "[]").strip("[]").split(",") if t.strip()))
    if "summary" in meta:
        lines.append(f"Summary: {meta['summary'].strip(chr(34))}")
    return "\n".join(lines) + "\n\n" + body


HUGO_CONFIG = """\
baseURL = "https://bench.example/"
title = "Bench"
languageCode = "en"
paginate = 10
[markup.highlight]
  noClasses = false
[taxonomies]
  tag = "tags"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
    '<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}"></head>'
    '<body><header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "_default/single.html": '{{ define "main" }}<article class="h-entry"><h1 class="p-name">{{ .Title }}</h1>'
    '<time>{{ .Date.Format "2 January 2006" }}</time> · {{ .ReadingTime }} min read'
    '<ul>{{ range .Params.tags }}<li><a href="{{ "tags/" | relURL }}{{ . | urlize }}/">#{{ . }}</a></li>{{ end }}</ul>'
    '<div class="e-content">{{ .Content }}</div></article>'
    '<nav>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">Older: {{ .Title }}</a>{{ end }}'
    '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">Newer: {{ .Title }}</a>{{ end }}</nav>{{ end }}\n',
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ol>{{ range .Paginator.Pages }}'
    '<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary | plainify | truncate 300 }}</p></li>{{ end }}</ol>'
    '{{ template "_internal/pagination.html" . }}{{ end }}\n',
    "index.html": '{{ define "main" }}<h1>Latest posts</h1><ol>{{ range (.Paginate (where site.RegularPages "Type" "posts")).Pages }}'
    '<li><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary | plainify | truncate 300 }}</p></li>{{ end }}</ol>'
    '{{ template "_internal/pagination.html" . }}{{ end }}\n',
    "_default/terms.html": '{{ define "main" }}<h1>Tags</h1><ul>{{ range .Data.Terms.Alphabetical }}'
    '<li><a href="{{ .Page.RelPermalink }}">#{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>{{ end }}\n',
}


class Hugo:
    name = "hugo"

    def __init__(self, root: Path, exe: str):
        self.root = root
        self.cmd = [exe, "--quiet", "--destination", "public"]

    def prepare(self, posts: Path) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "content").mkdir(parents=True)
        (self.root / "config.toml").write_text(HUGO_CONFIG)
        for rel, text in HUGO_LAYOUTS.items():
            path = self.root / "layouts" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        shutil.copytree(posts, self.root / "content" / "posts")  # our front matter is YAML Hugo reads

    def clean(self) -> None:
        for name in ("public", "resources"):
            shutil.rmtree(self.root / name, ignore_errors=True)

    def post_dir(self) -> Path:
        return self.root / "content" / "posts"


# ---------------------------------------------------------------- the measurements

TIMES = ("clean_s", "noop_s", "edit_s", "deploy_s")
LABELS = {"clean_s": "clean", "noop_s": "no-op", "edit_s": "1 edit", "deploy_s": "deploy", "peak_mb": "peak"}


def edit_one(post_dir: Path, n: int) -> None:
    """Change one post's body (the middle one): a typical author's save."""
    target = sorted(post_dir.glob("*.md"))[len(list(post_dir.glob("*.md"))) // 2]
    target.write_text(target.read_text() + f"\nAn added sentence, edit {n}.\n")


def measure(tool, n: int, repeat: int) -> dict:
    times: dict[str, list[float]] = {"clean_s": [], "noop_s": [], "edit_s": []}
    memory = []

    def timed(figure: str) -> None:
        seconds, mb = run(tool.cmd, tool.root)
        times.setdefault(figure, []).append(seconds)
        memory.append(mb)

    for i in range(repeat):
        tool.clean()
        timed("clean_s")
        run(tool.cmd, tool.root)  # the first rebuild after a clean one may still settle caches; time the second
        timed("noop_s")
        edit_one(tool.post_dir(), i)
        timed("edit_s")
        if hasattr(tool, "fresh_checkout_after_fetch"):
            kept_mb = tool.kept_mb()
            tool.fresh_checkout_after_fetch(n, i)
            timed("deploy_s")
    row = {**{figure: statistics.median(values) for figure, values in times.items()}, "peak_mb": max(memory), "runs": repeat}
    if "deploy_s" in row:
        row["kept_mb"] = kept_mb
    return row


def find_pelican(explicit: str | None) -> str | None:
    for candidate in (explicit, str(HERE / ".venv-pelican/bin/pelican"), shutil.which("pelican")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--tools", nargs="+", default=["ours", "pelican", "hugo"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement for our build (median)")
    parser.add_argument("--ref-repeat", type=int, default=1, help="runs for Pelican and Hugo (they are slow)")
    parser.add_argument("--work", type=Path, default=HERE / "out", help="scratch folder (ignored by git)")
    parser.add_argument("--pelican", default=None, help="the pelican executable (default: bench/.venv-pelican, then PATH)")
    parser.add_argument("--imported", action="store_true",
                        help="posts as articles imported from a feed: their HTML is sanitised again after Markdown")
    args = parser.parse_args()

    results = []
    for n in args.sizes:
        corpus = make_corpus(args.work / f"corpus-{n}{'-imported' if args.imported else ''}", n, imported=args.imported)
        posts = corpus / "content" / ("bench" if args.imported else "posts")
        for name in args.tools:
            tool, repeat = None, args.ref_repeat
            if name == "ours":
                tool, repeat = Ours(args.work / f"ours-{n}"), args.repeat
            elif name == "pelican":
                exe = find_pelican(args.pelican)
                tool = Pelican(args.work / f"pelican-{n}", exe) if exe else None
            elif name == "hugo":
                exe = shutil.which("hugo")
                tool = Hugo(args.work / f"hugo-{n}", exe) if exe else None
            if tool is None:
                print(f"{name}: not installed, skipped (see this script's docstring)", file=sys.stderr)
                continue
            tool.prepare(posts)
            print(f"N={n:,} {name}: measuring ({repeat} run(s))...", file=sys.stderr, flush=True)
            row = {"n": n, "tool": name, **measure(tool, n, repeat)}
            results.append(row)
            kept = f", deploy cache {row['kept_mb']} MB" if "kept_mb" in row else ""
            print(f"  {', '.join(f'{LABELS[k]} {row[k]:.2f} s' for k in TIMES if k in row)}, peak {row['peak_mb']} MB{kept}", file=sys.stderr, flush=True)

    add_growth(results)
    print_table(results)
    print_growth(results)
    print_targets(results)
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    return 0


def print_table(results: list[dict]) -> None:
    shown = [k for k in TIMES if any(k in r for r in results)]
    print(f"\n{'N':>6} {'tool':<8} " + " ".join(f"{LABELS[k] + ' s':>9}" for k in shown) + f" {'peak MB':>8}   vs ours (clean / no-op / edit)")
    ours = {r["n"]: r for r in results if r["tool"] == "ours"}
    for r in results:
        base = ours.get(r["n"])
        ratio = ""
        if base and r["tool"] != "ours":
            ratio = " / ".join(f"{r[k] / base[k]:.1f}x" for k in ("clean_s", "noop_s", "edit_s"))
        cells = " ".join(f"{r[k]:>9.2f}" if k in r else f"{'-':>9}" for k in shown)
        print(f"{r['n']:>6,} {r['tool']:<8} {cells} {r['peak_mb']:>8}   {ratio}")
    print(f"\n(medians; cores: {os.cpu_count()}; peak = largest RSS of the command's processes;"
          " deploy: a fresh checkout, the cache restored, one new post)")
    for r in results:
        if "kept_mb" in r:
            print(f"N={r['n']:,}: Netlify's build cache holds {r['kept_mb']:,} MB (.cache/build/ and public/), copied in and out each deploy")


def add_growth(results: list[dict]) -> None:
    """Give each row ``per_post``: how much each figure grew per extra post since the
    previous size measured with the same tool (seconds and MB per post)."""
    for tool in dict.fromkeys(r["tool"] for r in results):
        rows = sorted((r for r in results if r["tool"] == tool), key=lambda r: r["n"])
        for before, row in zip(rows, rows[1:], strict=False):
            extra = row["n"] - before["n"]
            figures = [k for k in (*TIMES, "peak_mb") if k in row and k in before]
            row["per_post"] = {"since_n": before["n"], **{k: (row[k] - before[k]) / extra for k in figures}}


def print_growth(results: list[dict]) -> None:
    """Time per extra post in microseconds (ms for a clean build), memory in KB."""
    grown = [r for r in results if "per_post" in r]
    if not grown:
        return
    shown = [k for k in TIMES if any(k in r["per_post"] for r in grown)]
    unit = {k: ("ms", 1e3) if k == "clean_s" else ("us", 1e6) for k in shown}
    print("\nGrowth per extra post, between consecutive sizes (a flat figure shows about 0):")
    print(f"{'N':>16} {'tool':<8} " + " ".join(f"{LABELS[k] + ' ' + unit[k][0]:>11}" for k in shown) + f" {'peak KB':>9}")
    for r in grown:
        g = r["per_post"]
        cells = " ".join(f"{g[k] * unit[k][1]:>11.1f}" if k in g else f"{'-':>11}" for k in shown)
        print(f"{g['since_n']:>7,} ->{r['n']:>7,} {r['tool']:<8} {cells} {g['peak_mb'] * 1024:>9.1f}")


# Issue 18's targets for our build: (figure, limit, sizes it applies to; None: every size).
LIMITS = [("noop_s", 0.5, None), ("edit_s", 0.6, None), ("peak_mb", 300, None)]
CLEAN_VS_HUGO = {1000: 1.0, 5000: 0.6, 20000: 0.6}  # our clean time at most this share of Hugo's


def print_targets(results: list[dict]) -> None:
    ours = {r["n"]: r for r in results if r["tool"] == "ours"}
    hugo = {r["n"]: r for r in results if r["tool"] == "hugo"}
    lines = []
    for n, row in sorted(ours.items()):
        for figure, limit, sizes in LIMITS:
            if sizes is None or n in sizes:
                value = f"{row[figure]} MB" if figure == "peak_mb" else f"{row[figure]:.2f} s"
                lines.append(f"N={n:,}: {LABELS[figure]} {value}, target under {limit:g}: {'met' if row[figure] < limit else 'NOT met'}")
        if n in hugo and n in CLEAN_VS_HUGO:
            share, limit = row["clean_s"] / hugo[n]["clean_s"], CLEAN_VS_HUGO[n]
            met = share < limit if limit == 1.0 else share <= limit
            lines.append(f"N={n:,}: clean {share:.2f}x Hugo's ({row['clean_s']:.2f} s / {hugo[n]['clean_s']:.2f} s), target "
                         f"{'under' if limit == 1.0 else 'at most'} {limit:g}x: {'met' if met else 'NOT met'}")
    if lines:
        print("\nTargets (issue 18):\n  " + "\n  ".join(lines))


if __name__ == "__main__":
    sys.exit(main())
