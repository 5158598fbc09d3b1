"""The Spark target's side of the dbt Python models (README: Running on Spark).

Each model in `models/ml/` (and `int_als_factors`) asks `on_spark(session)` once: on DuckDB it calls
`assetrec.tables` as always; on Spark it calls the function of the same name in `assetrec.spark.tables`, which
does the heavy work in Spark (ALS with pyspark.ml, scoring every cookie on the executors) and reuses assetrec's
own models, settings, registry and table builders for the rest. Nothing here is imported on DuckDB but this
check, so the DuckDB target never needs pyspark.
"""

from __future__ import annotations

__all__ = ["on_spark"]


def on_spark(session) -> bool:
    """True for a SparkSession (the spark target), False for a DuckDB connection; pyspark is not imported."""
    return type(session).__module__.split(".")[0] == "pyspark"
