{# The expression reading expected column `column`: by name as written (Parquet) or by position (CSV). #}
{% macro raw_export_column(path, layout, column) %}
    {{ return(adapter.dispatch('raw_export_column', 'assetrec')(path, layout, column)) }}
{% endmacro %}

{% macro default__raw_export_column(path, layout, column) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return(adapter.quote(layout.get('names', {}).get(column, column))) }}
    {%- endif -%}
    {{ return('column_' ~ layout.positions[column]) }}
{% endmacro %}
