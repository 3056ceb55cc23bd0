"""Rendering pages with one Jinja2 environment over ``templates/``.

Autoescaping is on for every template. Templates see ``site`` (the SiteConfig), the
page's own context, and these helpers:

- ``url(path)``: a site-relative URL under the base URL's path (``/blog/posts/x/``);
- ``absolute(path)``: the full URL (``https://example.org/blog/posts/x/``);
- ``asset(name)``: the fingerprinted URL of a file from ``static/`` (``/static/style.3f2a1c9e.css``);
- filters ``isodate`` (RFC 3339), ``human_date`` (``14 February 2025`` in the site's zone),
  ``article_html`` (an article body as its page shows it, see decorate.py) and ``toc_size``.

With ``bytecode_dir`` (the build cache's folder), compiled templates are kept there.

With ``watch`` (a type and attribute names), the renderer notes which objects of that
type each page read those attributes of (``Renderer.reads``, reset per page): the
build learns which posts a page shows in full (HTML) rather than as a listing entry.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from generator.errors import BuildError
from generator.models import OutputFile, Page, SiteConfig
from generator.site.decorate import decorate_article, toc_size

__all__ = ["Renderer"]


class _PlainCallContext(jinja2.runtime.Context):
    """``Context.call`` without its checks for callables that never take the context.

    A page calls ``url()``, ``asset()`` and macros about 40 times; Jinja asks each call
    whether the callable wants the context, eval context or environment passed (three
    attribute probes). The answers are known for macros (the eval context) and the
    renderer's own helpers (nothing): they are called as Jinja would call them after
    those checks. Anything else takes Jinja's way.
    """

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        macro = type(__obj) is jinja2.runtime.Macro
        if macro or __self.environment.plain_calls.get(id(__obj)) is __obj:  # type: ignore[attr-defined]
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                # A macro is pass_eval_context: it escapes as the block it is called from
                # does ({% autoescape false %}), so it is given the eval context as Jinja would.
                return __obj(__self.eval_ctx, *args, **kwargs) if macro else __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _ReadNotingEnvironment(jinja2.Environment):
    """Notes the ids of watched objects whose watched attributes a template reads.

    Templates reach attributes only through ``getattr`` (``post.html``) and ``getitem``
    (``post['html']``, and the ``attribute=`` of filters such as ``map`` and ``sort``).
    """

    watched_type: type | None = None
    watched_names: frozenset[str] = frozenset()
    reads: set[int]
    context_class = _PlainCallContext
    plain_calls: dict[int, Any] = {}  # id -> each global _PlainCallContext calls directly (held, so no id is reused)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Every attribute a template reads comes through here (100 a page): the common
        # case is answered without Jinja's own method.
        if type(obj) is self.watched_type and attribute in self.watched_names:
            self.reads.add(id(obj))
        if type(obj) is dict and not hasattr(dict, attribute):
            # a dict's key (toc entries, pager links): what Jinja finds after two AttributeErrors
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)  # an item, else undefined

    def getitem(self, obj: Any, argument: Any) -> Any:
        if type(obj) is self.watched_type and argument in self.watched_names:
            self.reads.add(id(obj))
        return super().getitem(obj, argument)


class Renderer:
    """Turns :class:`Page` values into :class:`OutputFile` bytes."""

    def __init__(
        self,
        site: SiteConfig,
        templates_dir: Path,
        assets: Mapping[str, str],
        extra_globals: Mapping[str, Any] | None = None,
        bytecode_dir: Path | None = None,
        watch: tuple[type, frozenset[str]] | None = None,
    ):
        self.site = site
        self.assets = dict(assets)
        parts = urlsplit(site.base_url)
        self.base_path = parts.path or "/"
        self._origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        self.tz = ZoneInfo(site.timezone)
        self.env = _ReadNotingEnvironment(
            loader=jinja2.FileSystemLoader(str(templates_dir)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # one environment per build: no need to stat each template per page
            bytecode_cache=_bytecode_cache(bytecode_dir) if bytecode_dir else None,
        )
        self.env.reads = set()
        if watch:
            self.env.watched_type, self.env.watched_names = watch
        helpers = {"url": self.url, "absolute": self.absolute, "asset": self.asset}
        self.env.globals.update(site=site, **helpers, **(extra_globals or {}))
        self.env.plain_calls = {id(helper): helper for helper in helpers.values()}
        self.env.filters.update(isodate=self.isodate, human_date=self.human_date, article_html=decorate_article, toc_size=toc_size)

    def url(self, path: str) -> str:
        return self.base_path.rstrip("/") + "/" + path.lstrip("/")

    def absolute(self, path: str) -> str:
        return self._origin + self.url(path)

    def asset(self, name: str) -> str:
        try:
            return self.url(self.assets[name])
        except KeyError:
            raise BuildError(f"templates: asset({name!r}) is not a file in static/ (known: {', '.join(sorted(self.assets))})") from None

    def isodate(self, value: datetime) -> str:
        return value.astimezone(self.tz).isoformat(timespec="seconds")

    def human_date(self, value: datetime) -> str:
        local = value.astimezone(self.tz)
        return f"{local.day} {local.strftime('%B %Y')}"

    def preload(self) -> None:
        """Compile every template now, before page workers fork: they inherit the compiled
        theme instead of each compiling it (0.1 s apiece). A template that does not
        compile is left alone here: rendering a page that needs it reports it."""
        for name in self.env.list_templates():
            try:
                self.env.get_template(name)
            except (jinja2.TemplateError, UnicodeDecodeError):
                pass

    @property
    def reads(self) -> frozenset[int]:
        """Ids of the watched objects the last page rendered read watched attributes of."""
        return frozenset(self.env.reads)

    def render(self, page: Page) -> OutputFile:
        self.env.reads.clear()
        try:
            template = self.env.get_template(page.template)
            text = template.render(page=page, **page.context)
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"templates/{exc.name}: template not found (needed for {page.url})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"templates/{exc.name}:{exc.lineno}: {exc.message}") from None
        except jinja2.UndefinedError as exc:
            raise BuildError(f"templates/{page.template}: {exc.message} (while rendering {page.url})") from None
        return OutputFile(path=page.output, data=text.encode("utf-8"))


def _bytecode_cache(folder: Path) -> jinja2.BytecodeCache:
    """Compiled templates kept on disk: compiling the theme costs 0.13 s of a one-post rebuild.

    Jinja keys each file by template name and source; the options above are not in that
    key, so the folder is named after this module's source, and older folders go.
    """
    own = folder / ("jinja-" + hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12])
    if not own.is_dir():
        own.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("jinja-*"):
            if old != own:
                shutil.rmtree(old, ignore_errors=True)
    return jinja2.FileSystemBytecodeCache(str(own))
