"""What the dbt Python models call: one function per warehouse table, DuckDB relations in, DataFrames out.

Each dbt model in `models/ml/` reads its refs, calls one function here with them and the build's
`assetrec.settings.Settings`, and returns the result; everything here can be tested without dbt by
wrapping DataFrames in DuckDB relations. Nothing big crosses into pandas: DuckDB encodes ids
(`assetrec.interactions`), and the ALS factors and co-occurrence pairs are read only when needed.

Cost bounds for large exports (dbt vars): the held-out evaluation runs on a deterministic sample of at most
`eval_max_cookies` cookies, EASE models only the `ease_max_pages` most popular pages, and recommendations are
scored in chunks of cookies on every core (no cookies x pages matrix is ever built).
"""

from assetrec.tables.evaluation import choose_model, model_evaluation
from assetrec.tables.factors import als_factors, similar_pages
from assetrec.tables.recommendations import DeployInputs, fitted_model, next_pages, recommendations
from assetrec.tables.runs import model_run

__all__ = [
    "DeployInputs",
    "als_factors",
    "choose_model",
    "fitted_model",
    "model_evaluation",
    "model_run",
    "next_pages",
    "recommendations",
    "similar_pages",
]
