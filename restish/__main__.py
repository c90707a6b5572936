"""``python -m restish``: the same as the ``restish`` command."""
from .cli import main

raise SystemExit(main())
