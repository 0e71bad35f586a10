#!/usr/bin/env python3
"""Django's command-line utility; `servicebook` (the console script) does the same."""

import sys

from servicebook.cli import main

if __name__ == "__main__":
    sys.exit(main())
