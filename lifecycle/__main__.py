"""``python -m lifecycle``: the same command line as the ``lifecycle`` script."""

from ._cli import main

raise SystemExit(main())
