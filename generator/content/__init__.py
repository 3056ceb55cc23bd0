"""Article files: ``content/**/*.md``, YAML front matter and a Markdown body.

The format's keys are the ``front_matter`` fields of :class:`~generator.models.Article`.

| module | owns |
|---|---|
| ``frontmatter.py`` | the keys, splitting a file, YAML errors on their line, misspelt keys, unwritable text |
| ``read.py`` | one file's text to an ``Article``, each value read by its field's type; what is published |
| ``write.py`` | an ``Article`` to text, deterministically; imported articles stored and found again by guid |
| ``names.py`` | slugs and file names made from titles |

The names below are the package's interface; the build reads ``content/`` through
``incremental/loading.py``, which parses each file with ``parse_article_bytes``.
"""

from generator.content.frontmatter import DATE_UNKNOWN, FRONT_MATTER_KEYS, PARAMS_KEY
from generator.content.names import article_filename, slugify
from generator.content.read import filter_published, parse_article, parse_article_bytes, read_body
from generator.content.write import GuidIndex, WriteOutcome, WriteResult, dump_article, write_article

__all__ = [
    "DATE_UNKNOWN",
    "FRONT_MATTER_KEYS",
    "PARAMS_KEY",
    "article_filename",
    "slugify",
    "filter_published",
    "parse_article",
    "parse_article_bytes",
    "read_body",
    "GuidIndex",
    "WriteOutcome",
    "WriteResult",
    "dump_article",
    "write_article",
]
