"""dbt adapter plugin `sparklocal`: dbt-spark's `session` method, plus Python models run in that SparkSession.

It inherits everything from dbt-spark (`dependencies=["spark"]`: every `spark__` macro and materialization is
reused, and `adapter.dispatch` looks for `sparklocal__`, then `spark__`, then `default__` macros) and adds one
thing: a `session` Python-model submission (the default), which runs the compiled model in the SparkSession the
SQL models use. dbt finds the plugin by importing `dbt.adapters.<type>`, so installing this folder is enough.
"""

from dbt.adapters.base import AdapterPlugin
from dbt.adapters.sparklocal.impl import SparkLocalAdapter, SparkLocalConnectionManager, SparkLocalCredentials
from dbt.include import sparklocal

__all__ = ["Plugin", "SparkLocalAdapter", "SparkLocalConnectionManager", "SparkLocalCredentials"]

Plugin = AdapterPlugin(
    adapter=SparkLocalAdapter,  # type: ignore[arg-type]
    credentials=SparkLocalCredentials,
    include_path=sparklocal.PACKAGE_PATH,
    dependencies=["spark"],
)
