"""The `session` Python-model submission: run the compiled model in this process's SparkSession.

dbt-spark's `method: session` runs SQL in a SparkSession of the dbt process (`SparkSession.builder.getOrCreate()`,
configured from the profile's `server_side_parameters`). Its Python materialization compiles a model into a script
that expects a global `spark` and ends by saving the model's DataFrame with `saveAsTable`; this helper executes that
script in the same session, so a Python model sees the tables the SQL models wrote and writes where they do.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.base import PythonJobHelper
from dbt.adapters.spark import SparkCredentials
from dbt_common.exceptions import DbtRuntimeError


class SessionPythonJobHelper(PythonJobHelper):
    def __init__(self, parsed_model: dict, credentials: SparkCredentials) -> None:
        self.parsed_model = parsed_model
        self.credentials = credentials

    def _session(self) -> Any:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.enableHiveSupport()
        for parameter, value in self.credentials.server_side_parameters.items():
            builder = builder.config(parameter, value)
        # The SQL side created this session first (same configuration): getOrCreate returns it.
        return SparkSession.getActiveSession() or builder.getOrCreate()

    def submit(self, compiled_code: str) -> Any:
        name = f"<dbt python model {self.parsed_model.get('unique_id', self.parsed_model.get('alias'))}>"
        try:
            code = compile(compiled_code, name, "exec")
        except SyntaxError as exc:
            raise DbtRuntimeError(f"Python model {name} does not compile: {exc}") from exc
        namespace: dict[str, Any] = {"__name__": "__dbt_python_model__", "spark": self._session()}
        exec(code, namespace)  # noqa: S102 - this is what a Python model submission does
        return None
