"""One module per command of ``python build.py``.

Each module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit code). ``cli.py`` finds them by listing this package, so
adding a command means adding a module here and nothing else.
"""
