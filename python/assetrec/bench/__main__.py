import sys

from assetrec.bench import BENCHMARKS, run

if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
    print(f"usage: python -m assetrec.bench {{{','.join(BENCHMARKS)}}} [options]")
    sys.exit(0 if len(sys.argv) >= 2 else 2)
sys.exit(run(sys.argv[1], sys.argv[2:]))
