{#
  The columns a source declares, in their YAML order: the columns its export must have. Empty at parse time
  (the graph is not built yet, and nothing is read then).
#}
{% macro raw_export_columns(source_name, table_name) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none or not node.columns -%}
        {{ exceptions.raise_compiler_error(
            "Source " ~ source_name ~ "." ~ table_name ~ " declares no columns: list the export's columns.") }}
    {%- endif -%}
    {{ return(node.columns.values() | map(attribute='name') | list) }}
{% endmacro %}
