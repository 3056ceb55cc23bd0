"""A static blog and feed aggregator: feeds and Markdown posts in, a static site out.

The pipeline, one module per stage (see docs/ARCHITECTURE.md):

    feeds/*.toml -> fetch -> parse -> normalise -> content/<source>/*.md --+
                                                                           +-> load -> assemble -> render -> publish -> public/
    content/posts/*.md (authors) ------------------------------------------+
"""

__version__ = "0.1.0"
