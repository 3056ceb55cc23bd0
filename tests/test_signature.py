"""signature.py: the hashes that decide whether a build has anything to do."""

from __future__ import annotations

from importlib.metadata import version

from generator.incremental.signature import LIBRARIES, library_versions


def test_library_versions_are_the_installed_ones():
    """Read from the .dist-info folder names, they agree with importlib.metadata."""
    assert library_versions() == " ".join(f"{dist}={version(dist)}" for dist in LIBRARIES.values())
