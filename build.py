#!/usr/bin/env python3
"""The command line: a thin shim over ``generator.cli`` (see ``python build.py --help``)."""

import sys

from generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
