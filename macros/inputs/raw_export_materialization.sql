{#
  How base_clickstream__* are materialized. DuckDB: views over the export (read_csv / read_parquet in the view).
  Spark: tables, because its file readers are temporary views (raw_export_input), which a permanent view cannot
  reference.
#}
{% macro raw_export_materialization() %}
    {{ return(adapter.dispatch('raw_export_materialization', 'assetrec')()) }}
{% endmacro %}
{% macro default__raw_export_materialization() %}
    {{ return('view') }}
{% endmacro %}
{% macro spark__raw_export_materialization() %}
    {{ return('table') }}
{% endmacro %}
