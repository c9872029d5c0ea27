"""``python -m cxsim``: the same as the ``cxsim`` command."""

from cxsim.cli import main

raise SystemExit(main())
