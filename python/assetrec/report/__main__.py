"""`python -m assetrec.report`: see assetrec.report.cli."""

import sys

from assetrec.report.cli import main

if __name__ == "__main__":
    sys.exit(main())
