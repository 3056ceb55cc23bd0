#!/usr/bin/env python3
"""Benchmark: each hostile feed class (``bench/hostile.py``) as a whole ``fetch`` command.

A server thread on 127.0.0.1 serves the corpus at full size. For each class, a new site
with that one feed is fetched by ``python build.py -qq fetch`` in a subprocess, ``--runs``
times; the script prints the median wall time and the peak memory (the largest resident
set of the command and its workers) and checks them against the targets (a first row times
an ordinary 3-item feed, and the load average is printed, so a busy machine shows):

- one 5 MiB item under 5 s; 10,000 items under 20 s;
- every case under 300 MB.

    python bench/bench_hostile.py [--runs 3] [--only CLASS ...] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hostile import HostileFeed, hostile_feeds  # noqa: E402

# An ordinary small feed, timed the same way: what starting the command costs on this machine now.
BASELINE = HostileFeed(
    "baseline",
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>'
    + b"".join(b"<item><title>Post %d</title><link>https://b.example/%d</link><description>&lt;p&gt;Hi.&lt;/p&gt;"
               b"</description></item>" % (n, n) for n in range(3))
    + b"</channel></rss>",
    note="an ordinary 3-item feed (startup)",
)

TIME_TARGETS = {"huge-item": 5.0, "many-items": 20.0}  # seconds
MEMORY_TARGET_MB = 300.0
# Runs the command in this process and prints its peak memory and its children's, in KB.
RUNNER = (
    "import resource, sys; sys.path.insert(0, sys.argv[1]); from generator.cli import main; "
    "code = main(sys.argv[2:]); "
    "print('maxrss', max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), code)"
)


def serve(feeds: list[HostileFeed]) -> ThreadingHTTPServer:
    by_path = {f"/{feed.name}": feed for feed in feeds}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            feed = by_path.get(self.path)
            if feed is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", feed.content_type)
            self.send_header("Content-Length", str(len(feed.body)))
            self.end_headers()
            self.wfile.write(feed.body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def fetch_once(feed: HostileFeed, base: str) -> tuple[float, float, int]:
    """One ``fetch`` of a new site holding only ``feed``: (seconds, peak MB, exit code)."""
    site = Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        (site / "site.toml").write_text('title = "Hostile"\nbase_url = "https://h.example/"\n')
        (site / "feeds").mkdir()
        (site / "feeds" / "feeds.toml").write_text(f'[[feed]]\nname = "{feed.name}"\nurl = "{base}/{feed.name}"\n')
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, str(ROOT), "--root", str(site), "-qq", "fetch"],
            capture_output=True, text=True, check=False,
        )
        elapsed = time.perf_counter() - started
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("maxrss ")), "maxrss 0 -1")
        _, kilobytes, code = line.split()
        if "Traceback" in done.stderr:
            print(done.stderr, file=sys.stderr)
        return elapsed, int(kilobytes) / 1024, int(code)
    finally:
        shutil.rmtree(site, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--scale", type=float, default=1.0, help="size of the corpus (1.0: full size)")
    args = parser.parse_args()
    feeds = [BASELINE] + [f for f in hostile_feeds(args.scale) if not args.only or f.name in args.only]
    server = serve(feeds)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{'class':18} {'what':40} {'size':>9} {'median s':>9} {'peak MB':>8}  exit  target")
    failed = False
    for feed in feeds:
        runs = [fetch_once(feed, base) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        limit = TIME_TARGETS.get(feed.name)
        ok = peak < MEMORY_TARGET_MB and (limit is None or seconds < limit)
        failed |= not ok
        target = f"< {limit:g} s, < {MEMORY_TARGET_MB:g} MB" if limit else f"< {MEMORY_TARGET_MB:g} MB"
        print(f"{feed.name:18} {feed.note:40} {len(feed.body) / 1024:8.0f}K {seconds:9.2f} {peak:8.0f}  "
              f"{'/'.join(str(r[2]) for r in runs):4}  {target} {'ok' if ok else 'MISSED'}", flush=True)
    server.shutdown()
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
