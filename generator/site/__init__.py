"""The site: ``content/`` in, pages, feeds and search out, published into the output folder.

Offline and deterministic: the same inputs build byte-identical files.
"""
