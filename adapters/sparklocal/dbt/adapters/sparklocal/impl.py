"""The `sparklocal` adapter: dbt-spark's public classes with their own type name and a `session` Python submission."""

from __future__ import annotations

import glob
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from dbt.adapters.base import PythonJobHelper, available
from dbt.adapters.spark import SparkAdapter, SparkConnectionManager, SparkCredentials
from dbt.adapters.spark.connections import SparkConnectionMethod
from dbt.adapters.sparklocal.python_submissions import SessionPythonJobHelper
from dbt.include import sparklocal
from dbt_common.exceptions import DbtRuntimeError


@dataclass
class SparkLocalCredentials(SparkCredentials):
    """dbt-spark's credentials under the type `sparklocal`; only `method: session` is supported."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.method != SparkConnectionMethod.SESSION:
            raise DbtRuntimeError(
                f"type sparklocal supports method: session only (got {self.method}); "
                "use type: spark for thrift, http or odbc"
            )
        # Spark's JVM log to a file (log4j2.properties of this plugin) unless the profile configures log4j itself.
        options = self.server_side_parameters.get("spark.driver.extraJavaOptions", "")
        if "log4j2.configurationFile" not in options:
            config = Path(sparklocal.PACKAGE_PATH) / "log4j2.properties"
            options = f"{options} -Dlog4j2.configurationFile={config.as_uri()}".strip()
            self.server_side_parameters["spark.driver.extraJavaOptions"] = options
        # Python models' pandas UDFs run in Spark's Python workers: the interpreter dbt runs in (whose environment
        # has the project's package) unless the profile or PYSPARK_PYTHON names another.
        python = self.server_side_parameters.get("spark.pyspark.python") or os.environ.get("PYSPARK_PYTHON")
        python = python or sys.executable
        self.server_side_parameters["spark.pyspark.python"] = python
        os.environ.setdefault("PYSPARK_PYTHON", python)

    @property
    def type(self) -> str:
        return "sparklocal"


class SparkLocalConnectionManager(SparkConnectionManager):
    TYPE = "sparklocal"


class SparkLocalAdapter(SparkAdapter):
    ConnectionManager = SparkLocalConnectionManager

    @property
    def default_python_submission_method(self) -> str:
        return "session"

    @property
    def python_submission_helpers(self) -> dict[str, type[PythonJobHelper]]:
        return {**super().python_submission_helpers, "session": SessionPythonJobHelper}

    @available
    def local_files(self, pattern: str) -> list[list] | None:
        """The local files matching `pattern` (a path or glob, relative to the directory dbt runs in), as
        [[path, size in bytes, modification time in Unix seconds], ...] in name order; None for a URI (s3://,
        hdfs://, ...), which only Spark reads.
        In `method: session` dbt runs in Spark's driver, so it sees the files Spark's local reader will read."""
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", pattern) and not pattern.startswith("file:"):
            return None
        path = pattern.removeprefix("file://").removeprefix("file:")
        matches = sorted(glob.glob(path)) if glob.has_magic(path) else ([path] if os.path.exists(path) else [])
        stats = [(match, os.stat(match)) for match in matches if os.path.isfile(match)]
        return [[match, stat.st_size, stat.st_mtime] for match, stat in stats]
