"""``python build.py new "Title"``: scaffold an authored post; never overwrites."""

from __future__ import annotations

import argparse
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from generator.cli import site_from_args
from generator.content import dump_article, slugify
from generator.errors import GeneratorError, UsageError
from generator.models import Article
from generator.slugs import free_slug, slugs_in_use

HELP = 'create content/posts/<yyyy-mm-dd>-<slug>.md for a new post titled "Title" (its slug, free, written in it)'

log = logging.getLogger(__name__)

# The body of a new post; its front matter is written as every article file's is.
SCAFFOLD_BODY = "Write your post here, in Markdown. Set `draft: false` (or delete the line) to publish it.\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("title", help="the post's title")


def run(args: argparse.Namespace) -> int:
    site = site_from_args(args)
    title = args.title.strip()
    if not title:
        raise UsageError("new: the title is empty; give one, e.g. python build.py new \"My post\"")
    now = datetime.now(ZoneInfo(site.timezone)).replace(microsecond=0)
    # The post's URL, written into the file: one no other post uses, so it never moves.
    slug = free_slug(slugify(title), slugs_in_use(site.path("content"), site.timezone))
    path = site.path("content") / "posts" / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise GeneratorError(f"{path.relative_to(site.root)}: already exists; choose another title or edit that file")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dump_article(Article(title=title, date=now, slug=slug, draft=True, body=SCAFFOLD_BODY))
    with path.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race
        fh.write(text)
    print(path.relative_to(site.root))
    return 0
