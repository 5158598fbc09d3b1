"""The command line: `python -m assetrec.synth [--cookies N --pages N --density X ...]`."""

from __future__ import annotations

import argparse
import sys
import time

from assetrec.synth import events as synth_events
from assetrec.synth import generator
from assetrec.synth.output import SAMPLE_DIR, write
from assetrec.synth.progress import PROGRESS_ROWS
from assetrec.synth.structure import Structure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assetrec.synth",
        description="Write a synthetic clickstream (submissions + business-unit mapping) in the real "
        "export's format. Defaults regenerate the bundled sample in seeds/sample/.",
    )
    parser.add_argument(
        "--cookies", type=int, default=generator.DEFAULT_COOKIES, help="distinct cookies (%(default)s)"
    )
    parser.add_argument(
        "--pages", type=int, default=generator.DEFAULT_PAGES, help="submittable pages (%(default)s)"
    )
    parser.add_argument(
        "--business-units",
        type=int,
        default=generator.DEFAULT_BUSINESS_UNITS,
        help="units a, b, ... (%(default)s)",
    )
    parser.add_argument(
        "--density", type=float, default=generator.DEFAULT_DENSITY, help="mean pages per cookie (%(default)s)"
    )
    parser.add_argument(
        "--activity",
        choices=("negative_binomial", "lognormal"),
        default=Structure.activity,
        help="distribution of pages per cookie: the real export's shape or a heavy tail (%(default)s)",
    )
    parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED, help="random seed (%(default)s)")
    parser.add_argument("--out", default=str(SAMPLE_DIR), help="output directory (the repo's seeds/sample/)")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--submissions-name", help="file name (sample_submissions.csv / submissions.<fmt>)")
    parser.add_argument("--bu-mapping-name", help="file name (sample_bu_mapping.csv / bu_mapping.<fmt>)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument(
        "--events",
        metavar="DIR",
        help="instead, write an event-level export to DIR: one events_YYYY-MM-DD.csv per day and bu_mapping.csv",
    )
    parser.add_argument(
        "--event-format", choices=sorted(synth_events.FORMATS), default="canonical", help="with --events"
    )
    parser.add_argument("--days", type=int, default=5, help="with --events: days of events (%(default)s)")
    parser.add_argument(
        "--sessions-per-day", type=int, default=12, help="with --events: sessions per day (%(default)s)"
    )
    args = parser.parse_args(argv)
    if args.events:
        return _write_events(parser, args)
    progress = False if args.quiet else None  # None: progress lines for large outputs only
    t0 = time.perf_counter()
    try:
        submissions, bu_mapping = generator.generate(
            args.cookies,
            args.pages,
            args.business_units,
            args.density,
            args.seed,
            structure=Structure(activity=args.activity),
            progress=progress,
        )
    except ValueError as exc:
        parser.error(str(exc))
    big = progress is None and len(submissions) >= PROGRESS_ROWS
    sub_path, map_path = write(
        submissions, bu_mapping, args.out, args.format, args.submissions_name, args.bu_mapping_name, big, t0
    )
    if not args.quiet:
        print(
            f"wrote {len(submissions):,} submissions to {sub_path} and {len(bu_mapping):,} mapping rows to "
            f"{map_path} in {time.perf_counter() - t0:.1f}s",
            file=sys.stderr,
        )
    return 0


def _write_events(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`--events DIR`: the event-level export; --cookies and --pages keep their meaning but default small."""
    cookies = args.cookies if args.cookies != generator.DEFAULT_COOKIES else 40
    pages = args.pages if args.pages != generator.DEFAULT_PAGES else 12
    try:
        paths = synth_events.write_events(
            args.events,
            args.event_format,
            days=args.days,
            cookies=cookies,
            pages=pages,
            sessions_per_day=args.sessions_per_day,
            seed=args.seed,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if not args.quiet:
        print(f"wrote {len(paths)} daily {args.event_format} event files to {args.events}", file=sys.stderr)
    return 0
