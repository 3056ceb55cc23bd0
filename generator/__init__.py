"""A static blog and feed aggregator: feeds and Markdown posts in, a static site out.

The pipeline, one package per stage (docs/ARCHITECTURE.md is the map):

    feeds/*.toml -> fetch -> parse -> normalise -> content/<source>/*.md --+        fetching/, normalise/
                                                                           +-> scan -> load -> markdown -> assemble -> render -> publish -> public/
    content/posts/*.md (authors) ------------------------------------------+        site/, incremental/, pipeline.py
"""

__version__ = "0.1.0"
