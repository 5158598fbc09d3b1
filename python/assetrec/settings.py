"""The project's dbt vars, typed: one list, with the defaults of `dbt_project.yml` (a test keeps the two
equal, and keeps the list in `models/intermediate/int_build_run.sql` that hands them to the Python models
complete).

The dbt Python models read them from `int_build_run.vars_json` (every var as JSON, rendered when the
build runs) with `Settings.from_json`; values that arrive as text are parsed here, and a wrong value stops
the build with a message naming the var.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from assetrec import registry
from assetrec.models.cooccurrence import SIMILARITIES

__all__ = ["CANDIDATE_PAGES", "EVENT_FORMATS", "EVENT_TIMESTAMP_UNITS", "Build", "Settings"]

CANDIDATE_PAGES = ("all", "mapped")
EVENT_FORMATS = ("canonical", "ga4", "snowplow", "segment")
EVENT_TIMESTAMP_UNITS = ("s", "ms", "us")
_NULL_TEXTS = ("", "none", "null")


@dataclass(frozen=True)
class Settings:
    """Every var of dbt_project.yml, with its default; the README's tables say what each one means."""

    # Inputs, read by the SQL models only (null paths: the bundled sample).
    submissions_path: str | None = field(default=None, metadata={"sql_only": True})
    bu_mapping_path: str | None = field(default=None, metadata={"sql_only": True})
    # Event-level input (null: the aggregated export or the sample), read by the SQL models only.
    events_path: str | None = field(default=None, metadata={"sql_only": True})
    event_format: str = field(default="canonical", metadata={"sql_only": True})
    event_columns: dict | None = field(default=None, metadata={"sql_only": True})
    submission_events: list | None = field(default=None, metadata={"sql_only": True})
    event_timestamp_unit: str | None = field(default=None, metadata={"sql_only": True})
    max_clock_skew_hours: float = field(default=24, metadata={"sql_only": True})
    late_event_days: int = field(default=3, metadata={"sql_only": True})
    # Time decay of event_strength (null: none) and its reference time (null: the latest event).
    half_life_days: float | None = field(default=None, metadata={"sql_only": True})
    as_of: str | None = field(default=None, metadata={"sql_only": True})
    default_asset_weight: float = field(default=1.0, metadata={"sql_only": True})
    # Recommendations and similar pages per cookie / page.
    top_k: int = 10
    # Co-occurrence (page_cooccurrence and the co-occurrence recommender).
    min_cooccurrence: int = 1
    cooccurrence_measure: str = "jaccard"
    max_pages_per_cookie: int | None = 100  # None = no cap
    cooccurrence_neighbours: int | None = 500  # None = every partner
    # Recommenders (defaults: the best of `python -m assetrec.tune`, see BENCHMARKS.md).
    als_factors: int = 32
    als_regularization: float = 100.0
    als_alpha: float = 15.0
    als_iterations: int = 15
    als_seed: int = 42
    ease_l2: float = 50.0
    candidate_pages: str = "all"
    recommender: str = "best"
    # Held-out evaluation and the scale bounds (0 = no bound).
    eval_seed: int = 7
    max_eval_users: int = 50_000
    eval_max_cookies: int = 25_000
    ease_max_pages: int = 5_000
    # Per-build tuning (assetrec.tuning): seconds for the whole search; 0 = the vars' settings as they are.
    tuning_budget_seconds: float = 60.0

    @classmethod
    def from_json(cls, text: str) -> Settings:
        """Settings from int_build_run.vars_json: every var of the build as JSON."""
        return cls.from_config(json.loads(text))

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Settings:
        """Settings from the dbt config `assetrec_settings` (values may arrive as text); absent keys keep the
        default; empty, `None` or `null` values are None for the vars that may be null (e.g. no cap) and keep
        the default for the others; keys that are not vars are ignored."""
        types_by_name = typing.get_type_hints(cls)
        values = {}
        for var in fields(cls):
            if var.name not in config:
                continue
            raw = config[var.name]
            if raw is None or str(raw).strip().lower() in _NULL_TEXTS:
                if _nullable(types_by_name[var.name]):
                    values[var.name] = None
                continue
            values[var.name] = _parse(var.name, raw, types_by_name[var.name])
        settings = cls(**values)
        settings.validate()
        return settings

    def model_params(self) -> dict:
        """The settings that shape the models (every var but the SQL-only inputs), for model_runs."""
        return {f.name: v for f, v in zip(fields(self), asdict(self).values(), strict=True) if not f.metadata}

    def validate(self) -> None:
        _one_of("candidate_pages", self.candidate_pages, CANDIDATE_PAGES)
        _one_of("recommender", self.recommender, ("best", *registry.names()))
        _one_of("cooccurrence_measure", self.cooccurrence_measure, SIMILARITIES)
        _one_of("event_format", self.event_format.strip().lower(), EVENT_FORMATS)  # as the SQL reads it
        if self.event_timestamp_unit is not None:
            _one_of("event_timestamp_unit", self.event_timestamp_unit, EVENT_TIMESTAMP_UNITS)
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise ValueError(f"var half_life_days must be null (no decay) or > 0, got {self.half_life_days}")
        if self.late_event_days < 0:
            raise ValueError(f"var late_event_days must be >= 0, got {self.late_event_days}")
        if self.top_k < 1:
            raise ValueError(f"var top_k must be >= 1, got {self.top_k}")
        if self.min_cooccurrence < 1:
            raise ValueError(f"var min_cooccurrence must be >= 1, got {self.min_cooccurrence}")
        if self.cooccurrence_neighbours is not None and self.cooccurrence_neighbours < 1:
            raise ValueError(
                f"var cooccurrence_neighbours must be null (every partner) or >= 1, got {self.cooccurrence_neighbours}"
            )
        # >= 2 as the SQL requires: a cap of 1 would leave no pairs at all.
        if self.max_pages_per_cookie is not None and self.max_pages_per_cookie < 2:
            raise ValueError(
                f"var max_pages_per_cookie must be null (no cap) or >= 2, got {self.max_pages_per_cookie}"
            )
        if self.tuning_budget_seconds < 0:
            raise ValueError(
                f"var tuning_budget_seconds must be >= 0 (0 = no tuning), got {self.tuning_budget_seconds}"
            )
        for name in ("eval_max_cookies", "ease_max_pages"):
            if getattr(self, name) < 0:
                raise ValueError(f"var {name} must be >= 0 (0 = no bound), got {getattr(self, name)}")


def _nullable(annotation) -> bool:
    return isinstance(annotation, types.UnionType) and type(None) in typing.get_args(annotation)


def _parse(name: str, raw, annotation) -> object:
    """A var's text as its declared type (`int | None` parses as int); whole numbers only for ints, as
    the SQL's cooccurrence_int_var (no silent rounding)."""
    kind = annotation
    if isinstance(annotation, types.UnionType):
        kind = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    try:
        if kind is list and isinstance(raw, str) and not raw.strip().startswith("["):
            return [raw]  # one event name, as the SQL accepts it
        if kind in (dict, list):
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, kind):
                raise ValueError(raw)
            return value
        if kind is int:
            number = float(raw)
            if not number.is_integer():
                raise ValueError(raw)
            return int(number)
        return kind(raw)
    except ValueError as exc:
        raise ValueError(f"dbt var {name}={raw!r} is not a valid {kind.__name__}") from exc


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"var {name} must be one of {allowed}, got {value!r}")


@dataclass(frozen=True)
class Build:
    """The running dbt build as its Python models see it: int_build_run's one row."""

    run_id: str
    started_at: object
    settings: Settings

    @classmethod
    def read(cls, build_run) -> Build:
        """From int_build_run as a dbt Python model gets it: `Build.read(dbt.ref("int_build_run"))` (dbt finds
        a Python model's dependencies in its own `dbt.ref` calls, so the model itself must name the table)."""
        row = build_run.df().iloc[0]
        return cls(str(row["run_id"]), row["started_at"], Settings.from_json(row["vars_json"]))
