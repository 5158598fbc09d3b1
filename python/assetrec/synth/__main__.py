"""`python -m assetrec.synth`: see assetrec.synth.cli."""

import sys

from assetrec.synth.cli import main

if __name__ == "__main__":
    sys.exit(main())
