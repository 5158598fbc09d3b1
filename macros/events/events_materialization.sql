{#
  How stg_events__events_validated and fct_submission_events are materialized. DuckDB: incremental (append after
  the pre-hook's delete of what is reloaded: macros/events/events_reload.sql, events_window.sql). Spark: a table,
  rebuilt from every event file on each build, because Parquet tables take no DELETE (Delta tables do: on
  Databricks an incremental `merge` or `replace_where` would be the way, not run here).
#}
{% macro events_materialization() %}
    {{ return(adapter.dispatch('events_materialization', 'assetrec')()) }}
{% endmacro %}
{% macro default__events_materialization() %}
    {{ return('incremental') }}
{% endmacro %}
{% macro spark__events_materialization() %}
    {{ return('table') }}
{% endmacro %}
