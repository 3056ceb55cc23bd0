"""The project's exception tree: every error a user can cause, in one place.

    GeneratorError                 base; ``str(err)`` is one line: ``what failed: why (where)``
    ├── ConfigError                site.toml / feeds/*.toml is wrong          -> exit 2
    ├── UsageError                 a command's arguments are wrong            -> exit 2
    ├── ContentError               one article file is wrong (file and line)
    │   └── ContentErrors          several ContentError collected in one pass -> exit 1
    ├── FetchError                 one feed could not be fetched or parsed (never stops the others)
    └── BuildError                 the build as a whole failed                -> exit 1

Errors carry the place they happened so the message names the file, feed or line and
says what to do. Code that collects several errors (loading content, fetching feeds)
reports all of them, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "GeneratorError",
    "ConfigError",
    "UsageError",
    "ContentError",
    "ContentErrors",
    "FetchError",
    "BuildError",
]


class GeneratorError(Exception):
    """Base of every error the generator raises on purpose."""

    exit_code = 1


class ConfigError(GeneratorError):
    """A configuration file is missing a value, has a wrong type or an unknown key."""

    exit_code = 2


class UsageError(GeneratorError):
    """A command was given an argument it cannot use (``new ""``): bad usage, like argparse's."""

    exit_code = 2


@dataclass
class ContentError(GeneratorError):
    """One content file is invalid; ``line`` is 1-based when known."""

    path: Path | str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class ContentErrors(GeneratorError):
    """Every invalid content file of one load, so the user can fix them all at once.

    ``folder`` (the content folder, as the user names it from the project root) is put
    before each path, so that messages name files as ``new`` prints them.
    """

    def __init__(self, errors: list[ContentError], folder: str = ""):
        if folder:
            errors = [ContentError(f"{folder.rstrip('/')}/{e.path}", e.message, e.line) for e in errors]
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class FetchError(GeneratorError):
    """One feed failed; ``reason`` is in words (``timeout after 20 s``, ``HTTP 404``)."""

    feed: str
    reason: str

    def __str__(self) -> str:
        return f"feed {self.feed!r}: {self.reason}"


class BuildError(GeneratorError):
    """The build could not complete; the previous output is left untouched."""
