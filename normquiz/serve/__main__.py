"""Run ``normquiz serve`` as ``python -m normquiz.serve [OPTIONS] [-- ARGS]``."""

from normquiz.serve.command import main

raise SystemExit(main())
