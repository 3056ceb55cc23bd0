"""``.ci/run``: the lint and type gates run before the tests, and any finding fails CI.

The script runs here as CI runs it, with every tool it calls replaced by a stub on PATH
that logs its arguments and exits as the test says: the order of the calls and the exit
code are the script's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

TOOLS = ["chromium", "npm", "pip", "ruff", "mypy", "python"]


def run_ci(tmp_path: Path, failing: str = "") -> tuple[int, list[str]]:
    """Run a copy of .ci/run with stub tools; ``failing`` names the one that reports findings."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "tests").mkdir()
    shutil.copy(REPO / "tests" / "test_browser.py", tmp_path / "tests" / "test_browser.py")  # its AXE_VERSION
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    for tool in TOOLS:
        stub = bin_dir / tool
        code = 1 if tool == failing else 0
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\nexit {code}\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    calls = [line.strip() for line in log.read_text().splitlines()] if log.exists() else []
    return result.returncode, calls


def test_the_gates_run_before_the_readme_test_command(tmp_path):
    code, calls = run_ci(tmp_path)
    assert code == 0, calls
    gates = [calls.index("ruff check ."), calls.index("mypy")]
    tests = calls.index("python -m pytest")
    assert max(gates) < tests
    assert calls[tests - 1] == "pip install -r requirements-dev.txt"  # the README's command, exactly


@pytest.mark.parametrize("gate", ["ruff", "mypy"])
def test_a_gate_with_findings_fails_ci_before_the_tests_run(tmp_path, gate):
    code, calls = run_ci(tmp_path, failing=gate)
    assert code != 0
    assert not any(c.startswith("python -m pytest") for c in calls), calls
