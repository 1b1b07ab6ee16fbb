"""`python -m rag.cli`: the same as the `newsdesk` command."""

import sys

from rag.cli import main

sys.exit(main())
