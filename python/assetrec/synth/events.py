"""Synthetic event-level clickstream: daily event files (`events_YYYY-MM-DD.csv`) as an analytics tool
exports them, in one of the formats the build reads (var `event_format`: canonical, ga4, snowplow, segment),
plus a page-to-business-unit mapping (`bu_mapping.csv`) for the same pages.

Each day, cookies open sessions; a session views a few pages (page_view events) and submits the form of
some of them (the format's submission event). A small share of events is delivered late, in the file of one
to three days later (as GA4 re-delivers); a few rows carry odd values (an empty cookie, an unparsable
timestamp, surrounding spaces, a submission re-delivered in the next day's file). Deterministic for a seed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from assetrec.synth.quirks import NAMED_ASSET_TYPES, NONE_TEXT

__all__ = ["FORMATS", "EventFormat", "generate_events", "write_events"]

BU_MAPPING_NAME = "bu_mapping.csv"
DEFAULT_START = "2024-03-01"
PLUS_TWO = timezone(timedelta(hours=2))


@dataclass(frozen=True)
class EventFormat:
    """How one analytics tool writes an event: its header, its submission and page-view event names."""

    header: tuple[str, ...]
    submit: str
    view: str


# Column order of each format's files; the canonical columns are (cookie, page_url, event_timestamp,
# event_name, gated_asset_type, event_id) under each tool's names (see models/staging/events/).
FORMATS = {
    "canonical": EventFormat(
        ("event_id", "cookie", "page_url", "event_timestamp", "event_name", "gated_asset_type"),
        "form_submit",
        "page_view",
    ),
    "ga4": EventFormat(
        (
            "event_date",
            "event_timestamp",
            "event_name",
            "user_pseudo_id",
            "page_location",
            "gated_asset_type",
        ),
        "form_submit",
        "page_view",
    ),
    "snowplow": EventFormat(
        ("event_id", "domain_userid", "derived_tstamp", "event_name", "page_url", "gated_asset_type"),
        "submit_form",
        "page_view",
    ),
    "segment": EventFormat(
        ("id", "anonymous_id", "timestamp", "event", "context_page_url", "gated_asset_type"),
        "Form Submitted",
        "Page Viewed",
    ),
}


@dataclass(frozen=True)
class Event:
    """One event: delivered in the file of `delivered` (a date), happened at `at` (UTC)."""

    event_id: str
    cookie: str
    page_url: str
    at: datetime
    submitted: bool
    asset_type: str
    delivered: str
    odd: str = ""  # "" or the kind of odd value written for this row


def generate_events(
    days: int = 5,
    cookies: int = 40,
    pages: int = 12,
    sessions_per_day: int = 12,
    seed: int = 42,
    start: str = DEFAULT_START,
    late_share: float = 0.05,
    odd_rows: int = 3,
) -> tuple[list[Event], list[tuple[str, str]]]:
    """(events, mapping rows (business_unit, page_url)), deterministic for `seed`."""
    if days < 1 or cookies < 1 or pages < 1 or sessions_per_day < 1:
        raise ValueError("days, cookies, pages and sessions_per_day must be >= 1")
    rng = np.random.default_rng(seed)
    page_urls = [f"https://www.example.com/assets/{n:03d}" for n in range(pages)]
    types = [NAMED_ASSET_TYPES[n % len(NAMED_ASSET_TYPES)] for n in range(pages)]
    popularity = rng.dirichlet(np.full(pages, 0.8))
    cookie_ids = [f"{rng.integers(10**17, 10**18)}.{rng.integers(10**9, 10**10)}" for _ in range(cookies)]
    first_day = datetime.fromisoformat(start).replace(tzinfo=UTC)
    events: list[Event] = []
    for day in range(days):
        for _ in range(sessions_per_day):
            cookie = cookie_ids[rng.integers(cookies)]
            at = first_day + timedelta(days=day, seconds=int(rng.integers(0, 86_000)))
            for page in rng.choice(pages, size=int(rng.integers(1, 5)), p=popularity):
                for submitted in (False, True) if rng.random() < 0.4 else (False,):
                    at += timedelta(
                        seconds=int(rng.integers(5, 300)), microseconds=int(rng.integers(0, 10**6))
                    )
                    delay = int(rng.integers(1, 4)) if rng.random() < late_share else 0
                    delivered = min(day + delay, days - 1)
                    events.append(
                        Event(
                            f"ev-{seed}-{len(events):06d}",
                            cookie,
                            page_urls[page],
                            at,
                            submitted,
                            types[page],
                            (first_day + timedelta(days=delivered)).date().isoformat(),
                        )
                    )
    # A few odd rows: an empty cookie, an unparsable timestamp, spaces around the cookie.
    kinds = ["empty_cookie", "bad_timestamp", "spaces"]
    submits = [n for n, e in enumerate(events) if e.submitted]
    for n, kind in zip(
        rng.choice(submits, size=min(odd_rows, len(submits)), replace=False), kinds, strict=False
    ):
        e = events[n]
        events[n] = Event(e.event_id, e.cookie, e.page_url, e.at, True, e.asset_type, e.delivered, kind)
    # One submission re-delivered the next day (the same event id, where the format has ids).
    clean = [n for n in submits if not events[n].odd and events[n].delivered < events[-1].delivered]
    if clean:
        e = events[clean[len(clean) // 2]]
        later = (datetime.fromisoformat(e.delivered) + timedelta(days=1)).date().isoformat()
        events.append(Event(e.event_id, e.cookie, e.page_url, e.at, True, e.asset_type, later, "redelivered"))
    units = [chr(ord("a") + n % 4) for n in range(pages)]
    mapping = [(unit, url) for unit, url in zip(units, page_urls, strict=True) if url != page_urls[-1]]
    return events, mapping


def _row(fmt: str, e: Event) -> list[str]:
    spec = FORMATS[fmt]
    name = spec.submit if e.submitted else spec.view
    cookie = {"empty_cookie": "", "spaces": f"  {e.cookie} "}.get(e.odd, e.cookie)
    asset = e.asset_type if e.submitted else NONE_TEXT
    if fmt == "canonical":
        stamp = e.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    elif fmt == "ga4":
        stamp = str(int(e.at.timestamp()) * 1_000_000 + e.at.microsecond)
    elif fmt == "snowplow":
        stamp = e.at.strftime("%Y-%m-%d %H:%M:%S.%f")
    else:  # segment: local time with an offset
        stamp = e.at.astimezone(PLUS_TWO).isoformat()
    if e.odd == "bad_timestamp":
        stamp = "not a time"
    values = {
        "canonical": [e.event_id, cookie, e.page_url, stamp, name, asset],
        "ga4": [e.at.strftime("%Y%m%d"), stamp, name, cookie, e.page_url, asset],
        "snowplow": [e.event_id, cookie, stamp, name, e.page_url, asset],
        "segment": [e.event_id, cookie, stamp, name, e.page_url, asset],
    }
    return values[fmt]


def write_events(
    out: str | Path, fmt: str = "canonical", events_and_mapping=None, **generate_args
) -> list[Path]:
    """Write one `events_YYYY-MM-DD.csv` per delivery day, and `bu_mapping.csv`, into `out`; returns the
    event files. Events are in time order within a file, each late event at the end of the file it came in."""
    if fmt not in FORMATS:
        raise ValueError(f"event format must be one of {sorted(FORMATS)}, got {fmt!r}")
    events, mapping = events_and_mapping or generate_events(**generate_args)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    by_day: dict[str, list[Event]] = {}
    for e in sorted(events, key=lambda e: (e.delivered, e.at.date().isoformat() != e.delivered, e.at)):
        by_day.setdefault(e.delivered, []).append(e)
    paths = []
    for day, day_events in sorted(by_day.items()):
        path = out / f"events_{day}.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(FORMATS[fmt].header)
            writer.writerows(_row(fmt, e) for e in day_events)
        paths.append(path)
    with (out / BU_MAPPING_NAME).open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["business_unit", "page_url"])
        writer.writerows(mapping)
    return paths
