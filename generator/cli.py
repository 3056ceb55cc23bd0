"""The command-line interface: argparse, logging set-up, errors to exit codes.

Commands live in ``generator/commands/`` (one module each). Exit codes:
0 success, 1 the job failed, 2 bad usage or bad configuration. Errors are printed to
stderr, one line each: ``what failed: why (where)``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from pathlib import Path
from typing import Any, cast

from generator import __version__, commands
from generator.commands import Command
from generator.config import load_site_config, require_project_folder
from generator.errors import ConfigError, GeneratorError
from generator.models import SiteConfig

__all__ = ["main", "site_from_args"]

log = logging.getLogger("generator")


def _command_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__) if not info.name.startswith("_"))


def _command_modules(only: str | None = None) -> dict[str, Command]:
    # cast: a module's type is ModuleType; the package's convention makes each one a Command
    return {name: cast(Command, importlib.import_module(f"{commands.__name__}.{name}")) for name in _command_names() if only in (None, name)}


def _named_command(argv: list[str]) -> str | None:
    """The command ``argv`` names, found without argparse (None: none, or ``--help``/``--version``).

    Importing every command module costs 0.3 s (feed fetching pulls in httpx, bs4,
    feedparser), a no-op ``build`` less than that: only the named command is imported.
    """
    names = set(_command_names())
    tokens = iter(argv)
    for token in tokens:
        if token in ("-h", "--help", "--version"):
            return None
        if token.startswith("--r") and "=" not in token:  # --root DIR (argparse accepts --ro, --roo)
            next(tokens, None)
        elif not token.startswith("-"):
            return token if token in names else None
    return None


def build_parser(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="A static blog and feed aggregator. With no command: fetch feeds, then build the site.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--root", type=Path, default=Path("."), help="the project folder (default: the current one)")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="less output (warnings and errors only)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more output (debug details)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    only = _named_command(argv) if argv is not None else None
    modules = _command_modules(only)
    for name in _command_names():
        if name not in modules:  # another command than the one named: never parsed, never run
            subparsers.add_parser(name)
            continue
        module = modules[name]
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser, modules


class _PlainFormatter(logging.Formatter):
    """Messages as a user reads them: a warning says so, as an error does (``warning: ...``)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return f"warning: {text}" if record.levelno == logging.WARNING else text


def _setup_logging(quiet: int, verbose: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PlainFormatter("%(message)s") if level >= logging.INFO else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, min(level, logging.ERROR)))


def site_from_args(args: argparse.Namespace, **overrides: Any) -> SiteConfig:
    """Load ``site.toml`` from ``--root`` with command-line overrides (e.g. base_url)."""
    return load_site_config(args.root, overrides)


def _run_default(args: argparse.Namespace, modules: dict[str, Command], parser: argparse.ArgumentParser) -> int:
    """Bare ``python build.py``: fetch (when that command exists), then build."""
    code = 0
    if "fetch" in modules:
        fetch_args = parser.parse_args([*sys_args_prefix(args), "fetch"])
        code = modules["fetch"].run(fetch_args)
        if code == 2:
            return code
    build_args = parser.parse_args([*sys_args_prefix(args), "build"])
    return modules["build"].run(build_args) or 0


def sys_args_prefix(args: argparse.Namespace) -> list[str]:
    prefix = ["--root", str(args.root)]
    prefix += ["-q"] * args.quiet + ["-v"] * args.verbose
    return prefix


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, modules = build_parser(argv)
    try:
        args = parser.parse_args(argv)
        if args.command is not None and args.command not in modules:  # _named_command guessed wrong
            parser, modules = build_parser()
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    _setup_logging(args.quiet, args.verbose)
    try:
        require_project_folder(args.root)  # before any command makes a folder in it (serve's .cache/)
        if args.command is None:
            return _run_default(args, modules, parser)
        return int(args.run(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GeneratorError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
