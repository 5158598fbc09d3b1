{#
  Spark (README: Running on Spark): the event-level staging (models/staging/events, macros/events) is DuckDB SQL
  and is not built on Spark yet, so the `spark` and `spark_sql_layers` selectors leave it and
  fct_submission_events out. The aggregated export's models still read fct_submission_events (it is empty for
  that input), so this creates it empty, with its columns, when it does not exist. Event input (var events_path)
  stops the build on Spark.
#}
{% macro spark_event_stand_in() %}
    {%- if var('events_path') is not none -%}
        {{ exceptions.raise_compiler_error(
            "Var events_path is set, but the spark target does not read event-level exports yet (only the"
            ~ " aggregated export: submissions_path and bu_mapping_path, or the bundled sample). Use the DuckDB"
            ~ " target (dev) for event input.") }}
    {%- endif -%}
    {%- set relation = api.Relation.create(schema=target.schema, identifier='fct_submission_events', type='table') -%}
    {%- do adapter.create_schema(relation) -%}
    {%- do run_query('create table if not exists ' ~ relation ~ ' (cookie string, page_url string,'
        ~ ' event_timestamp timestamp, event_name string, gated_asset_type string, source_file string) using parquet') -%}
{% endmacro %}
