"""Serve normquiz to web browsers with textual-serve: one app process per tab.

``add_serve_parser`` and ``run_serve`` are the ``normquiz serve`` command;
importing this package imports neither textual-serve nor aiohttp (they are
the optional ``serve`` extra, imported when a server starts).
"""

from normquiz.serve.command import add_serve_parser, run_serve

__all__ = ["add_serve_parser", "run_serve"]
