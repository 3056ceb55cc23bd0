"""One build in progress: what every stage of ``pipeline.build_site`` and the quick path share.

A :class:`BuildRun` carries the site, the options (with the build's one clock reading),
the output folder, the cache and manifest (when the cache is on), the content rows the
scan found and the hashes of everything else, and the report being filled in; its
``stage`` context times each stage.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from generator.incremental.cache import BuildCache
from generator.incremental.loading import ContentRow
from generator.incremental.manifest import OutputManifest, PageChanges, PageRecord
from generator.incremental.parallel import Progress
from generator.incremental.signature import build_signature, inputs_key
from generator.models import BuildOptions, BuildReport, SiteConfig

__all__ = ["BuildRun", "Progress", "ProgressBars", "cache_dir", "remember_build"]

log = logging.getLogger("generator.pipeline")  # stage times are the orchestrator's: ``-v`` shows them under its name

ProgressBars = Callable[[str, int], Progress]  # a new bar: stage name, total


def cache_dir(site: SiteConfig) -> Path:
    """Where the build cache of the site lives (``.cache/build/``, ignored by git)."""
    return site.root.resolve() / ".cache" / "build"


@dataclass
class _Timer:
    name: str
    start: float
    inner: float = 0.0  # seconds spent in stages nested in this one


@dataclass
class BuildRun:
    """One build's inputs and state, handed from stage to stage."""

    site: SiteConfig
    options: BuildOptions  # ``now`` is always set: one clock reading per build
    out_dir: Path  # resolved
    report: BuildReport = field(default_factory=BuildReport)
    cache: BuildCache | None = None  # None: ``--no-cache``
    manifest: OutputManifest | None = None  # what the last build into out_dir left (with the cache)
    rows: list[ContentRow] = field(default_factory=list)  # every content file, from the scan
    site_digest: str = ""  # signature.site_digests: everything but content
    page_digest: str = ""  # ... what every page depends on besides its context
    bars: ProgressBars | None = None  # a terminal's progress bars (None: no bars)
    _intact: bool | None = field(default=None, repr=False)  # outputs_intact(), once checked
    _timers: list[_Timer] = field(default_factory=list, repr=False)

    @property
    def now(self) -> datetime:
        assert self.options.now is not None  # set by pipeline.build_site
        return self.options.now

    @property
    def shas(self) -> dict[str, str]:
        """Content file -> sha1, as scanned."""
        return {row.rel: row.sha for row in self.rows}

    def outputs_intact(self) -> bool:
        """Every file the last build wrote is on disk as it left it (``OutputManifest.all_intact``).
        Checked once a build (27,000 stats at 20,000 posts): the no-op check and the quick
        path both ask, before this build has written anything."""
        if self._intact is None:
            self._intact = self.manifest is not None and self.manifest.all_intact(self.out_dir)
        return self._intact

    def progress(self, name: str, total: int) -> Progress | None:
        return self.bars(name, total) if self.bars is not None else None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage in ``report.timings``: its own time, without that of stages run
        inside it (the site's feeds are made while pages render), so the times add up."""
        timer = _Timer(name, time.perf_counter())
        self._timers.append(timer)
        try:
            yield
        finally:
            self._timers.pop()
            elapsed = time.perf_counter() - timer.start
            if self._timers:
                self._timers[-1].inner += elapsed
            timings = self.report.timings
            timings[name] = timings.get(name, 0.0) + elapsed - timer.inner
            log.debug("%-9s %6.3f s", name, timings[name])  # -v: a plain build prints one summary line


def remember_build(run: BuildRun, pages: PageRecord | PageChanges | None) -> None:
    """The end of every build that wrote something, quick or not: save the article cache
    (every content file's entry kept), then what was written where and from what (a
    quick build: only the page rows it changed)."""
    cache, manifest, published = run.cache, run.manifest, run.report.published
    if cache is None or manifest is None:
        return
    cache.keep(row.sha for row in run.rows)
    cache.save()
    files, signature, inputs = published.manifest if published else {}, build_signature(run.site_digest, run.rows, run.options), inputs_key(run.site_digest, run.options)
    if isinstance(pages, PageChanges):
        manifest.record_changes(files, pages, signature, inputs)
    else:
        manifest.record(files, pages, signature, inputs)
