"""`python -m microcred`: the project's command line (`microcred.tooling.cli`)."""

import sys

from microcred.tooling.cli import main

sys.exit(main())
