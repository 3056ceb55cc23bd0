"""One module per command of ``python build.py``.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). ``cli.py`` finds them by listing this package, so
adding a command means adding a module here and nothing else.
"""

from __future__ import annotations

import argparse
from typing import Protocol


class Command(Protocol):
    """What ``cli.py`` uses of a command module (a module satisfies it by its names)."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...
