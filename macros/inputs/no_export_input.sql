{#
  No export, in raw_export_input's shape: no rows (the aggregated submissions when the events are the input;
  the mapping when events_path is set without bu_mapping_path).
#}
{% macro no_export_input(columns) %}
    {%- set expressions = {} -%}
    {%- for column in columns -%}
        {%- do expressions.update({column: 'null'}) -%}
    {%- endfor -%}
    {{ return({'file': '', 'reader': '(select 1 as no_row where false) as no_export', 'columns': expressions}) }}
{% endmacro %}
