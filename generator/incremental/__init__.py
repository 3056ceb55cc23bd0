"""The incremental engine: what a build may reuse from the last one, and the proof it still may.

See docs/BUILD-CACHE.md for the cache's design and docs/ARCHITECTURE.md for the glossary.
"""
