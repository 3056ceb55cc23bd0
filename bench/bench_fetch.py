#!/usr/bin/env python3
"""Benchmark of the fetch stage and the ``fetch`` command against 200 local feeds.

A server process on 127.0.0.1 (asyncio; 50 ports, four feeds each, so per-host limits
apply as they would across real hosts) serves 200 generated feeds of 3 to 60 items.
Every answer, a 304 as much as a 200, is delayed by ``--delay`` (250 ms): over the
internet a 304 costs a round trip too, and a warm run is all 304s, so the run's
concurrency (at most 2 requests per host, no small total) is what a warm run measures.
``--instant-304`` answers a matching conditional request at once instead.

Timed, each ``--runs`` times (medians printed):

- the project's fetch stage (``generator.fetching.fetcher``) cold (no state) and warm (all 304);
- the whole ``python build.py fetch`` command cold (new site) and warm (same site again),
  as a subprocess, with articles/second (targets: warm under 1.5 s and at most 0.35x
  ten feedparser threads warm; the fetch stage cold at most 0.65x ten threads cold);
- ten threads calling ``feedparser.parse(url, etag=..., modified=...)``, cold and warm;
- a naive ``for url in urls: feedparser.parse(url)`` loop (once; ``--skip-naive``).

``--with-faults`` adds a 50 MB feed and a gzip bomb (1 GB of zeros) for the project's
runs, and reports peak memory. feedparser clients never get those two: a gzip bomb
would take it 1 GB of memory, which proves nothing.

    python bench/bench_fetch.py [--runs 3] [--skip-naive] [--with-faults] [--instant-304]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import hashlib
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zlib
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.fetching.fetcher import Fetcher, FetchSettings, fetch_all  # noqa: E402
from generator.models import FeedSource, FeedState  # noqa: E402

FEEDS = 200
PORTS = 50
WORDS = (
    "python asyncio socket parser feed static site build cache token module package wheel import "
    "thread process memory decorator generator iterator context manager typing dataclass pattern "
    "request response header server client queue event loop future test fixture benchmark"
).split()


# ---------------------------------------------------------------- the feeds


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def make_feed(index: int) -> bytes:
    """An RSS 2.0 feed with 3 to 60 items of generated HTML (own words, deterministic)."""
    rng = random.Random(index)
    items = []
    for n in range(rng.randint(3, 60)):
        paragraphs = "".join(f"<p>{' '.join(_sentence(rng) for _ in range(4))}</p>" for _ in range(rng.randint(2, 6)))
        code = "<pre><code class=\"language-python\">def f(x):\n    return x * 2\n</code></pre>"
        day = 1 + (n % 28)
        items.append(
            f"<item><title>{_sentence(rng)[:-1]} {n}</title>"
            f"<link>https://blog{index}.example/post-{n}/</link><guid>https://blog{index}.example/post-{n}/</guid>"
            f"<pubDate>{formatdate(1767225600 + n * 86400 + index * 60, usegmt=True)}</pubDate>"
            f"<category>python</category><category>{rng.choice(WORDS)}</category>"
            f"<description><![CDATA[{paragraphs}{code if n % 3 == 0 else ''}]]></description></item>"
        )
        del day
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Blog {index}</title>'
        f"<link>https://blog{index}.example/</link><description>Generated feed {index}</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


# ---------------------------------------------------------------- the server (its own process)


def _gzip_zeros(megabytes: int) -> bytes:
    """A gzip stream of ``megabytes`` MB of zeros, built chunk by chunk (about 1 MB per GB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


async def _serve(ports: list[int], delay: float, with_faults: bool, instant_304: bool, ready) -> None:
    bodies = {f"/feed{i}.xml": make_feed(i) for i in range(FEEDS)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}
    big = b"<rss><channel>" + b" " * (50 * 1024 * 1024) + b"</channel></rss>"
    bomb = _gzip_zeros(1024) if with_faults else b""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                extra = ""
                if path in bodies and headers.get("if-none-match") == etags[path]:
                    if not instant_304:
                        await asyncio.sleep(delay)
                    status, body = "304 Not Modified", b""
                elif path in bodies:
                    await asyncio.sleep(delay)
                    status, body = "200 OK", bodies[path]
                elif path == "/big.xml":
                    status, body = "200 OK", big
                elif path == "/bomb.xml":
                    status, body, extra = "200 OK", bomb, "Content-Encoding: gzip\r\n"
                else:
                    status, body = "404 Not Found", b"no"
                etag = f"ETag: {etags[path]}\r\n" if path in etags else ""
                close = headers.get("connection", "").lower() == "close"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\nContent-Length: {len(body)}\r\n"
                    f"{etag}{extra}{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n".encode("latin-1")
                )
                writer.write(body)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", port, backlog=512) for port in ports]
    ready.set()
    await asyncio.gather(*(s.serve_forever() for s in servers))


def _server_main(ports: list[int], delay: float, with_faults: bool, instant_304: bool, ready) -> None:
    asyncio.run(_serve(ports, delay, with_faults, instant_304, ready))


def free_ports(count: int) -> list[int]:
    import socket

    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


# ---------------------------------------------------------------- the clients


def feed_urls(ports: list[int]) -> list[str]:
    return [f"http://127.0.0.1:{ports[i // (FEEDS // PORTS)]}/feed{i}.xml" for i in range(FEEDS)]


def fault_urls(ports: list[int]) -> list[str]:
    return [f"http://127.0.0.1:{ports[0]}/big.xml", f"http://127.0.0.1:{ports[1]}/bomb.xml"]


def fetch_stage(urls: list[str], states: dict[str, FeedState]) -> tuple[float, dict[str, FeedState], int]:
    sources = [FeedSource(name=f"f{i}", url=u) for i, u in enumerate(urls)]

    async def go():
        results = []
        async with Fetcher(FetchSettings()) as fetcher:
            async for result in fetch_all(fetcher, sources, states):
                results.append(result)
        return results

    started = time.perf_counter()
    results = asyncio.run(go())
    elapsed = time.perf_counter() - started
    new_states = {r.source.name: FeedState(etag=r.etag, last_modified=r.last_modified) for r in results if r.status != "failed"}
    ok = sum(r.status in ("ok", "not_modified") for r in results)
    return elapsed, new_states, ok


def make_site(folder: Path, urls: list[str]) -> Path:
    (folder / "feeds").mkdir(parents=True)
    (folder / "site.toml").write_text('title = "Bench"\n')
    (folder / "feeds" / "feeds.toml").write_text(
        "".join(f'[[feed]]\nname = "feed{i:03}"\nurl = "{u}"\n\n' for i, u in enumerate(urls))
    )
    return folder


CPU: dict[str, list[float]] = {"cmd_cold": [], "cmd_warm": []}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(site: Path, label: str | None = None) -> float:
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(site), "-qq", "fetch"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    elapsed = time.perf_counter() - started
    if label:
        CPU[label].append(_children_cpu() - cpu_before)
    if done.returncode not in (0,):
        print(f"  (fetch exited {done.returncode}: {done.stderr.strip()[:200]})")
    return elapsed


def count_articles(site: Path) -> int:
    return sum(1 for _ in (site / "content").rglob("*.md")) if (site / "content").exists() else 0


def ten_threads(urls: list[str], validators: dict[str, tuple[str | None, str | None]]):
    import feedparser

    def one(url: str):
        etag, modified = validators.get(url, (None, None))
        parsed = feedparser.parse(url, etag=etag, modified=modified)
        return url, parsed.get("etag"), parsed.get("modified"), parsed.get("status")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        out = list(pool.map(one, urls))
    return time.perf_counter() - started, {u: (e, m) for u, e, m, _ in out}


def naive(urls: list[str]) -> float:
    import feedparser

    started = time.perf_counter()
    for url in urls:
        feedparser.parse(url)
    return time.perf_counter() - started


# ---------------------------------------------------------------- the run


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--with-faults", action="store_true")
    parser.add_argument("--instant-304", action="store_true", help="answer matching conditional requests without the delay")
    args = parser.parse_args()

    ports = free_ports(PORTS)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_server_main, args=(ports, args.delay, args.with_faults, args.instant_304, ready), daemon=True)
    server.start()
    ready.wait(60)
    urls = feed_urls(ports)
    project_urls = urls + (fault_urls(ports) if args.with_faults else [])
    print(f"{FEEDS} feeds on {PORTS} ports, {'full ' if args.instant_304 else ''}answers delayed {args.delay * 1000:.0f} ms, {args.runs} runs"
          + (", plus a 50 MB feed and a gzip bomb" if args.with_faults else ""))
    times: dict[str, list[float]] = {k: [] for k in ("stage_cold", "stage_warm", "cmd_cold", "cmd_warm", "threads_cold", "threads_warm")}
    rates: list[float] = []
    work = Path(tempfile.mkdtemp(prefix="bench-fetch-"))
    try:
        for run in range(args.runs):
            elapsed, states, ok = fetch_stage(project_urls, {})
            times["stage_cold"].append(elapsed)
            elapsed, _, ok_warm = fetch_stage(project_urls, states)
            times["stage_warm"].append(elapsed)
            site = make_site(work / f"site{run}", project_urls)
            times["cmd_cold"].append(command(site, "cmd_cold"))
            articles = count_articles(site)
            rates.append(articles / times["cmd_cold"][-1])
            times["cmd_warm"].append(command(site, "cmd_warm"))
            if count_articles(site) != articles:  # a loaded machine can push a cold feed past its budget
                print(f"  (the warm run stored {count_articles(site) - articles} more articles: "
                      "feeds the cold run stopped over their time budget were fetched again)")
            elapsed, validators = ten_threads(urls, {})
            times["threads_cold"].append(elapsed)
            elapsed, _ = ten_threads(urls, validators)
            times["threads_warm"].append(elapsed)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
                  + f"; {articles} articles; fetch stage ok {ok}/{len(project_urls)}, warm ok {ok_warm}")
        naive_time = None if args.skip_naive else naive(urls)

        tracemalloc.start()
        fetch_stage(project_urls, {})
        stage_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        child_peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finally:
        server.terminate()
        shutil.rmtree(work, ignore_errors=True)

    m = {k: median(v) for k, v in times.items()}
    print("\nmedians")
    print(f"  fetch stage, cold (no state)        {m['stage_cold']:7.2f} s   target <= 0.65 x ten threads cold "
          f"= {0.65 * m['threads_cold']:.2f} s  -> ratio {m['stage_cold'] / m['threads_cold']:.2f}")
    print(f"  fetch stage, warm (all 304)         {m['stage_warm']:7.2f} s   ratio to ten threads warm {m['stage_warm'] / m['threads_warm']:.2f}")
    print(f"  fetch command, cold                 {m['cmd_cold']:7.2f} s   {median(rates):.0f} articles/s; "
          f"ratio to ten threads cold {m['cmd_cold'] / m['threads_cold']:.2f}; main-process CPU {median(CPU['cmd_cold']):.1f} s "
          f"(the parsing workers run under the forkserver, not counted)")
    print(f"  fetch command, warm                 {m['cmd_warm']:7.2f} s   target < 1.5 s and <= 0.35 x ten threads warm "
          f"= {0.35 * m['threads_warm']:.2f} s -> ratio {m['cmd_warm'] / m['threads_warm']:.2f}; main-process CPU {median(CPU['cmd_warm']):.1f} s")
    print(f"  ten feedparser threads, cold        {m['threads_cold']:7.2f} s")
    print(f"  ten feedparser threads, warm        {m['threads_warm']:7.2f} s")
    if naive_time is not None:
        print(f"  naive feedparser loop               {naive_time:7.2f} s   (fetch stage cold is {naive_time / m['stage_cold']:.0f}x faster)")
    print(f"  machine: {os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}")
    print(f"  peak memory: fetch stage {stage_peak / 2**20:.0f} MB (tracemalloc), largest child process "
          f"{child_peak_kb / 1024:.0f} MB RSS (target < 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
