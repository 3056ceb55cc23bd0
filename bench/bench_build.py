"""Time whole build commands on a synthetic corpus, ours beside Pelican's and Hugo's.

For each N (default 1,000 and 5,000 posts) and each tool, in the same run on the same
posts: a clean build (no output, no cache), a no-op rebuild (nothing changed) and a
one-post edit rebuild (one body changed), each as a whole command in a subprocess,
repeated and reported as medians, with the peak memory (largest RSS of the command's
processes, from GNU time). Not a test: it prints a table and writes it as JSON.

    python bench/bench_build.py                          # N = 1000 5000, all tools
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
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import make_corpus  # noqa: E402

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


def edit_one(post_dir: Path, n: int) -> None:
    """Change one post's body (the middle one): a typical author's save."""
    target = sorted(post_dir.glob("*.md"))[len(list(post_dir.glob("*.md"))) // 2]
    target.write_text(target.read_text() + f"\nAn added sentence, edit {n}.\n")


def measure(tool, repeat: int) -> dict:
    clean, noop, edit, memory = [], [], [], []
    for i in range(repeat):
        tool.clean()
        seconds, mb = run(tool.cmd, tool.root)
        clean.append(seconds)
        memory.append(mb)
        for _ in range(2):  # the first rebuild after a clean one may still settle caches; keep the second
            seconds, mb = run(tool.cmd, tool.root)
        noop.append(seconds)
        memory.append(mb)
        edit_one(tool.post_dir(), i)
        seconds, mb = run(tool.cmd, tool.root)
        edit.append(seconds)
        memory.append(mb)
    return {
        "clean_s": statistics.median(clean),
        "noop_s": statistics.median(noop),
        "edit_s": statistics.median(edit),
        "peak_mb": max(memory),
        "runs": repeat,
    }


def find_pelican(explicit: str | None) -> str | None:
    for candidate in (explicit, str(HERE / ".venv-pelican/bin/pelican"), shutil.which("pelican")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
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
            row = {"n": n, "tool": name, **measure(tool, repeat)}
            results.append(row)
            print(f"  clean {row['clean_s']:.2f} s, no-op {row['noop_s']:.2f} s, one edit {row['edit_s']:.2f} s, peak {row['peak_mb']} MB", file=sys.stderr, flush=True)

    print_table(results)
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    return 0


def print_table(results: list[dict]) -> None:
    print(f"\n{'N':>6} {'tool':<8} {'clean s':>8} {'no-op s':>8} {'1 edit s':>9} {'peak MB':>8}   vs ours (clean / no-op / edit)")
    ours = {r["n"]: r for r in results if r["tool"] == "ours"}
    for r in results:
        base = ours.get(r["n"])
        ratio = ""
        if base and r["tool"] != "ours":
            ratio = " / ".join(f"{r[k] / base[k]:.1f}x" for k in ("clean_s", "noop_s", "edit_s"))
        print(f"{r['n']:>6,} {r['tool']:<8} {r['clean_s']:>8.2f} {r['noop_s']:>8.2f} {r['edit_s']:>9.2f} {r['peak_mb']:>8}   {ratio}")
    print(f"\n(medians; cores: {os.cpu_count()}; peak = largest RSS of the command's processes)")


if __name__ == "__main__":
    sys.exit(main())
