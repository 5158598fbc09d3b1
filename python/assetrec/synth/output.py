"""Writing the frames: file names and the export's exact file format (CSV, or Parquet), through DuckDB."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from assetrec.synth.progress import log

# The repo's seeds/sample/ (this file is python/assetrec/synth/output.py; the package is installed editable).
SAMPLE_DIR = Path(__file__).resolve().parents[3] / "seeds" / "sample"
SAMPLE_SUBMISSIONS = "sample_submissions.csv"
SAMPLE_BU_MAPPING = "sample_bu_mapping.csv"

SUBMISSIONS_HEADER = ",cookie,gated_asset_type,page_url,form_submissions"
BU_MAPPING_HEADER = ",business_unit,page_url"
SUBMISSION_COLUMNS = ["cookie", "gated_asset_type", "page_url", "form_submissions"]
BU_MAPPING_COLUMNS = ["business_unit", "page_url"]
# Parquet (written by DuckDB) cannot have an empty column name: the index column is called `column0`,
# which is also the name DuckDB's read_csv gives the unnamed column of the CSV files.
PARQUET_INDEX_COLUMN = "column0"


def _output_names(out: Path, fmt: str, submissions_name: str | None, bu_mapping_name: str | None):
    if out.resolve() == SAMPLE_DIR.resolve():
        default_sub, default_map = Path(SAMPLE_SUBMISSIONS).stem, Path(SAMPLE_BU_MAPPING).stem
    else:
        default_sub, default_map = "submissions", "bu_mapping"
    return (
        out / (submissions_name or f"{default_sub}.{fmt}"),
        out / (bu_mapping_name or f"{default_map}.{fmt}"),
    )


def _write_frame(df: pd.DataFrame, path: Path, header: str, fmt: str, con) -> None:
    """Write `df` (unnamed integer index + columns) as the export does, through DuckDB.

    DuckDB has no empty column names, so for CSV the header line is written here and DuckDB writes the
    body (unquoted: no value contains a comma or a quote; no NULLs, so no empty cells) to a temporary file
    that is appended. Parquet gets the index as column `column0`.
    """
    flat = pd.DataFrame({PARQUET_INDEX_COLUMN: df.index.to_numpy(np.int64)})
    for col in df.columns:
        flat[col] = df[col].array
    con.register("synth_frame", flat)
    try:
        # Categoricals arrive as ENUMs; cast so the Parquet schema is plain VARCHAR / BIGINT.
        cols = ", ".join(
            f'"{c}"::VARCHAR AS "{c}"' if isinstance(flat[c].dtype, pd.CategoricalDtype) else f'"{c}"'
            for c in flat.columns
        )
        query = f"SELECT {cols} FROM synth_frame"
        sql_path = str(path).replace("'", "''")
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            con.execute(f"COPY ({query}) TO '{sql_path}' (FORMAT parquet)")
            return
        fd, body = tempfile.mkstemp(prefix=path.name + ".", suffix=".body", dir=path.parent)
        os.close(fd)
        sql_body = body.replace("'", "''")
        try:
            con.execute(
                f"COPY ({query}) TO '{sql_body}' (FORMAT csv, HEADER false, DELIMITER ',', NEW_LINE '\\n')"
            )
            with open(path, "wb") as dst, open(body, "rb") as src:
                dst.write((header + "\n").encode())
                while chunk := src.read(1 << 24):
                    dst.write(chunk)
        finally:
            os.unlink(body)
    finally:
        con.unregister("synth_frame")


def write(
    submissions: pd.DataFrame,
    bu_mapping: pd.DataFrame,
    out: str | os.PathLike = SAMPLE_DIR,
    fmt: str = "csv",
    submissions_name: str | None = None,
    bu_mapping_name: str | None = None,
    progress: bool = False,
    t0: float | None = None,
) -> tuple[Path, Path]:
    """Write both frames to `out`; returns (submissions_path, bu_mapping_path).

    File names: `sample_submissions.csv` / `sample_bu_mapping.csv` in the repo's seeds/sample/, else
    `submissions.<fmt>` / `bu_mapping.<fmt>`, unless given.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    out = Path(out)
    sub_path, map_path = _output_names(out, fmt, submissions_name, bu_mapping_name)
    t0 = time.perf_counter() if t0 is None else t0
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
        _write_frame(submissions, sub_path, SUBMISSIONS_HEADER, fmt, con)
        log(progress, t0, f"wrote {sub_path} ({len(submissions):,} rows)")
        _write_frame(bu_mapping, map_path, BU_MAPPING_HEADER, fmt, con)
        log(progress, t0, f"wrote {map_path} ({len(bu_mapping):,} rows)")
    return sub_path, map_path
