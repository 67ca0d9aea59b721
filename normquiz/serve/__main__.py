"""Run ``normquiz serve`` as ``python -m normquiz.serve [OPTIONS] [-- ARGS]``."""

import sys

from normquiz.cli import main

raise SystemExit(main(["serve", *sys.argv[1:]]))
