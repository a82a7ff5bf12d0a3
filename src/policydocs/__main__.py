"""``python -m policydocs`` = the ``policydocs`` command."""

import sys

from .cli import main

sys.exit(main())
