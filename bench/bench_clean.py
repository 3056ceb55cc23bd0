"""Clean builds only, two versions of our code and Hugo interleaved: wall time, CPU and peak memory.

A before/after comparison of a change to the clean build on a machine other jobs share:
each round builds the same corpus with the older code (``--base``, a checkout of an
earlier commit), with this checkout, then with Hugo, so a busy minute slows all three
alike; medians of the rounds are printed. CPU is user + system seconds of the command
and its workers (GNU time), steadier than wall time when the cores are shared; peak is
the largest resident set of any one of its processes.

    git worktree add /tmp/before <commit>        # or: git archive <commit> | tar -x -C /tmp/before
    python bench/bench_clean.py --base /tmp/before --sizes 1000 5000 --repeat 3
    python bench/bench_clean.py --sizes 20000 --repeat 1     # this checkout and Hugo only
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_build import GNU_TIME, Hugo  # noqa: E402
from corpus import make_corpus  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, user + system CPU seconds, peak MB of one command."""
    proc = subprocess.run([GNU_TIME, "-f", "TIMED %e %U %S %M", *cmd], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    wall, user, system, rss = re.search(r"TIMED (\S+) (\S+) (\S+) (\S+)", proc.stderr).groups()
    return float(wall), float(user) + float(system), int(rss) // 1024


def our_site(corpus: Path, folder: Path) -> Path:
    """The corpus with the theme of this checkout (both versions of the code build it)."""
    if not folder.exists():
        shutil.copytree(corpus, folder)
        for name in ("templates", "static"):
            shutil.copytree(REPO / name, folder / name)
    return folder


def measure(n: int, base: Path | None, repeat: int, work: Path) -> dict[str, list[tuple[float, float, int]]]:
    corpus = make_corpus(work / f"corpus-{n}", n)
    site = our_site(corpus, work / f"clean-{n}")
    codes = {"before": base, "after": REPO} if base else {"ours": REPO}
    hugo = Hugo(work / f"clean-hugo-{n}", shutil.which("hugo")) if shutil.which("hugo") else None
    if hugo and not (hugo.root / "content").exists():
        hugo.prepare(corpus / "content" / "posts")
    for code in codes.values():  # byte-compiled once, as an installed package is (see bench_build.py)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "generator")], check=True)
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in [*codes, *(["hugo"] if hugo else [])]}
    for _ in range(repeat):
        for name, code in codes.items():
            for folder in ("public", ".cache"):
                shutil.rmtree(site / folder, ignore_errors=True)
            runs[name].append(timed([sys.executable, str(code / "build.py"), "-q", "--root", str(site), "build", "--clean"], site))
            print(f"N={n:,} {name}: {runs[name][-1]}", file=sys.stderr, flush=True)
        if hugo:
            hugo.clean()
            runs["hugo"].append(timed(hugo.cmd, hugo.root))
            print(f"N={n:,} hugo: {runs['hugo'][-1]}", file=sys.stderr, flush=True)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--base", type=Path, default=None, help="a checkout of the code to compare with (its build.py and generator/)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / "out", help="scratch folder (ignored by git)")
    args = parser.parse_args()
    print(f"{'N':>7} {'build':<7} {'clean s':>8} {'CPU s':>7} {'peak MB':>8}   vs Hugo (clean)")
    for n in args.sizes:
        runs = measure(n, args.base.resolve() if args.base else None, args.repeat, args.work)
        hugo = statistics.median(r[0] for r in runs["hugo"]) if "hugo" in runs else None
        for name, rows in runs.items():
            wall = statistics.median(r[0] for r in rows)
            ratio = f"{wall / hugo:.2f}x" if hugo and name != "hugo" else ""
            print(f"{n:>7,} {name:<7} {wall:>8.2f} {statistics.median(r[1] for r in rows):>7.2f} {max(r[2] for r in rows):>8}   {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
