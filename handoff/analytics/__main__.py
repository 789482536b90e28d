"""`python -m handoff.analytics …` (see handoff.analytics.cli)."""

import sys

from handoff.analytics.cli import main

sys.exit(main())
