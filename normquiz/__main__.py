"""Run normquiz with ``python -m normquiz``."""

from normquiz.cli import main

raise SystemExit(main())
