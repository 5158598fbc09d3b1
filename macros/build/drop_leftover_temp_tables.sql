{#
  dbt-duckdb's incremental Python materialization leaves its `<model>__dbt_tmp<timestamp>` staging table
  behind on every run. Used as a post-hook, this drops the ones earlier runs left (DuckDB only: other
  adapters clean up after themselves).
#}
{% macro drop_leftover_temp_tables(relation) %}
    {{ return(adapter.dispatch('drop_leftover_temp_tables', 'assetrec')(relation)) }}
{% endmacro %}

{% macro default__drop_leftover_temp_tables(relation) %}
    {% if execute %}
        {% set leftovers = run_query(
            "select table_name from information_schema.tables where table_schema = '" ~ relation.schema
            ~ "' and table_name like '" ~ relation.identifier ~ "\\_\\_dbt\\_tmp%' escape '\\'"
        ) %}
        {% for row in leftovers %}
            {% do run_query("drop table if exists " ~ relation.schema ~ "." ~ adapter.quote(row[0])) %}
        {% endfor %}
    {% endif %}
    select 1
{% endmacro %}

{% macro spark__drop_leftover_temp_tables(relation) %}
    select 1
{% endmacro %}
