#!/usr/bin/env python
"""Django's command-line utility; `keepwell` (the console script) does the same."""

import sys

from keepwell.cli import main

if __name__ == "__main__":
    sys.exit(main())
