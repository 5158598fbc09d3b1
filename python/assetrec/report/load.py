"""Reading the warehouse: the tables the report shows (one read-only connection), and frames derived from them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

# Each section and the tables it reads; a missing table blanks its section (and fails the run unless
# --allow-missing), it never breaks the others.
SECTIONS: dict[str, tuple[str, ...]] = {
    "overview": ("dim_cookies", "dim_pages", "fct_page_interactions", "bridge_page_business_units"),
    "hit_rate": ("cookie_hit_rates", "business_unit_hit_rates"),
    "similarity": ("business_unit_similarity",),
    "activity": ("cookie_hit_rates",),
    "models": ("model_evaluation", "model_runs"),
    "offers": ("model_evaluation", "recommendations", "recommendations_for_new_visitors"),
    "periods": ("business_unit_activity_by_period",),
    "quality": (
        "fct_page_interactions",
        "rejected_submissions",
        "bridge_page_business_units",
        "rejected_bu_mappings",
    ),
}
SOURCE_LABELS = {"submissions": "submissions", "bu_mapping": "business-unit mapping"}

# The frames read whole from one table each: ReportData attribute -> (table, query). Read when the table exists.
FRAMES = {
    "cookie_hit_rates": (
        "cookie_hit_rates",
        "select cookie, interactions, form_submissions, hit_rate, top_hit_rate, cumulative_hit_rate "
        "from cookie_hit_rates",
    ),
    "business_unit_hit_rates": (
        "business_unit_hit_rates",
        "select * from business_unit_hit_rates order by business_unit",
    ),
    "similarity": (
        "business_unit_similarity",
        "select grouping, group_value, pages, mean_avg_similarity, model from business_unit_similarity",
    ),
    "runs": (
        "model_runs",
        "select run_id, started_at, params, data_fingerprint, interactions, chosen_model, "
        "metrics_summary from model_runs order by started_at, run_id",
    ),
    "evaluation": (
        "model_evaluation",
        "select run_id, model, split, metric, k, value, users from model_evaluation",
    ),
    "tuned": (
        "model_evaluation",
        "select run_id, model, split, any_value(params) as params, any_value(validation_ndcg) as validation_ndcg "
        "from model_evaluation where split in ('last_events', 'leave_one_out') group by run_id, model, split",
    ),
    # A few offers with their reasons (the best offer of the first cookies by id), and how many have one.
    "explained": (
        "recommendations",
        "select cookie, page_url, because_page_url, because_share, model from recommendations "
        "where rank = 1 and because_page_url is not null order by cookie limit 5",
    ),
    "explained_share": (
        "recommendations",
        "select count(because_page_url) as explained, count(*) as offers from recommendations",
    ),
    # The latest four quarters of every business unit (the prototype's figures were quarterly reports).
    "quarters": (
        "business_unit_activity_by_period",
        "select business_unit, cast(period_start as varchar) as quarter, cookies, new_cookies, submissions, pages "
        "from business_unit_activity_by_period where period_type = 'quarter' and period_start >= ("
        "select coalesce(max(period_start), date '1970-01-01') - interval 9 month "
        "from business_unit_activity_by_period where period_type = 'quarter') "
        "order by business_unit, period_start desc",
    ),
    "new_visitors": (
        "recommendations_for_new_visitors",
        "select rank, page_url, cookies from recommendations_for_new_visitors "
        "where segment_type = 'overall' order by rank",
    ),
}


@dataclass
class ReportData:
    """Everything the page shows, read from the database in one go."""

    db: Path
    db_modified: datetime
    tables: set[str]
    overview: dict[str, object] = field(default_factory=dict)
    cookie_hit_rates: pd.DataFrame | None = None
    business_unit_hit_rates: pd.DataFrame | None = None
    similarity: pd.DataFrame | None = None
    evaluation: pd.DataFrame | None = None
    runs: pd.DataFrame | None = None
    tuned: pd.DataFrame | None = None
    explained: pd.DataFrame | None = None
    explained_share: pd.DataFrame | None = None
    new_visitors: pd.DataFrame | None = None
    quarters: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None

    def missing(self, section: str) -> list[str]:
        return [t for t in SECTIONS[section] if t not in self.tables]

    @property
    def all_missing(self) -> list[str]:
        return sorted({t for tables in SECTIONS.values() for t in tables} - self.tables)

    @property
    def latest_run(self) -> pd.Series | None:
        if self.runs is None or self.runs.empty:
            return None
        return self.runs.iloc[-1]

    @property
    def settings(self) -> dict:
        """The latest build's parameters (model_runs.params), e.g. top_k and cooccurrence_measure."""
        run = self.latest_run
        return _json(run["params"]) if run is not None else {}

    @property
    def top_k(self) -> int:
        try:
            return int(self.settings.get("top_k", 10))
        except (TypeError, ValueError):
            return 10


def _json(text) -> dict:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return {}
    try:
        value = json.loads(text) if isinstance(text, str) else dict(text)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def load(db: Path) -> ReportData:
    """Read every table the report needs through one read-only connection (closed on return)."""
    if not db.exists():
        raise FileNotFoundError(f"database not found: {db} (build it with `make run`, or pass --db)")
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = current_schema()"
            ).fetchall()
        }
        data = ReportData(db=db, db_modified=datetime.fromtimestamp(db.stat().st_mtime, UTC), tables=tables)

        def df(sql: str) -> pd.DataFrame:
            return con.execute(sql).df()

        if not data.missing("overview"):
            row = df(
                """
                select
                    (select count(*) from dim_cookies) as cookies,
                    (select count(*) from dim_pages) as pages,
                    (select count(*) from dim_pages where len(business_units) > 0) as mapped_pages,
                    (select count(*) from fct_page_interactions) as interactions,
                    (select coalesce(sum(form_submissions), 0) from fct_page_interactions) as form_submissions,
                    (select count(distinct business_unit) from bridge_page_business_units) as business_units
                """
            ).iloc[0]
            data.overview = {k: int(v) for k, v in row.items()}
        if "recommendations" in tables:
            rec = df("select count(*) as n, string_agg(distinct model, ', ') as models from recommendations")
            data.overview["recommendations"] = int(rec["n"].iloc[0])
            data.overview["recommended_by"] = rec["models"].iloc[0]
        for attribute, (table, sql) in FRAMES.items():
            if table in tables:
                setattr(data, attribute, df(sql))
        if not data.missing("quality"):
            data.quality = df(
                """
                select 'submissions' as source, null::varchar as reason, count(*) as rows
                from fct_page_interactions
                union all
                select 'submissions', reject_reason, count(*) from rejected_submissions group by reject_reason
                union all
                select 'bu_mapping', null, count(*) from bridge_page_business_units
                union all
                select 'bu_mapping', reject_reason, count(*) from rejected_bu_mappings group by reject_reason
                """
            )
            data.quality["source"] = data.quality["source"].map(SOURCE_LABELS)
            data.quality["rows"] = data.quality["rows"].astype(int)
    return data


# --- derived frames -------------------------------------------------------------------------------


def evaluation_run(data: ReportData) -> tuple[pd.DataFrame, str]:
    """model_evaluation rows of the newest build (by model_runs.started_at) and a short label for it."""
    evaluation = data.evaluation
    if evaluation is None or evaluation.empty:
        return pd.DataFrame(columns=["run_id", "model", "split", "metric", "k", "value", "users"]), "none"
    run_ids = list(evaluation["run_id"].unique())
    if data.runs is not None:
        ordered = [r for r in data.runs["run_id"] if r in set(run_ids)]
        if ordered:
            run_ids = ordered
    run_id = run_ids[-1]
    return evaluation[evaluation["run_id"] == run_id].copy(), str(run_id)[:8]


def run_summaries(runs: pd.DataFrame) -> pd.DataFrame:
    """model_runs.metrics_summary ({"ease.ndcg@10": 0.31, ...}) as rows: build, label, model, metric, value."""
    rows = []
    for build, run in enumerate(runs.itertuples(), start=1):
        label = f"#{build} {pd.Timestamp(run.started_at):%m-%d %H:%M}"
        for key, value in _json(run.metrics_summary).items():
            model, _, metric = key.partition(".")
            if metric and isinstance(value, int | float):
                rows.append((build, label, model, metric, float(value)))
    return pd.DataFrame(rows, columns=["build", "label", "model", "metric", "value"])


def param_changes(runs: pd.DataFrame) -> list[str]:
    """For each run, the parameters that differ from the previous run ('first run' for the oldest)."""
    changes, previous = [], None
    for params in runs["params"]:
        current = _json(params)
        if previous is None:
            changes.append("first recorded run")
        else:
            diff = [
                f"{key}: {previous.get(key)} → {current.get(key)}"
                for key in sorted(set(previous) | set(current))
                if key not in ("run_id", "started_at") and previous.get(key) != current.get(key)
            ]
            changes.append("; ".join(diff) if diff else "none")
        previous = current
    return changes
