"""The bundle's entry point: the same `dynascope` command as the console script."""

import sys

from ui.main import main

if __name__ == "__main__":
    sys.exit(main())
