{#
  Read a raw export (CSV or Parquet) at `path` as text columns, checking at compile time that every
  expected column is present so a wrong file stops the build with a message naming the file.
  Columns are selected by name: order, extra columns and the presence of the unnamed index column do
  not matter.
#}
{% macro read_raw_export(path, var_name, columns) %}
    {{ return(adapter.dispatch('read_raw_export', 'assetrec')(path, var_name, columns)) }}
{% endmacro %}

{% macro duckdb__read_raw_export(path, var_name, columns) %}
    {%- set is_parquet = path.lower().endswith('.parquet') -%}
    {%- set quoted_path = "'" ~ path | replace("'", "''") ~ "'" -%}
    {%- if is_parquet -%}
        {%- set reader = 'read_parquet(' ~ quoted_path ~ ')' -%}
    {%- else -%}
        {#- Every column as text (ids must keep leading zeros); delimiter and header are fixed so that
            DuckDB's sniffer cannot guess them differently for odd files. -#}
        {%- set reader = 'read_csv(' ~ quoted_path ~ ", header = true, delim = ',', quote = '\"', escape = '\"', all_varchar = true)" -%}
    {%- endif -%}
    {%- if execute -%}
        {%- set found = assetrec.raw_export_columns(reader, path, var_name) -%}
        {%- set missing = [] -%}
        {%- for column in columns if column not in found -%}
            {%- do missing.append(column) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                "Input file " ~ path ~ " (var " ~ var_name ~ ") is missing column(s): " ~ missing | join(', ')
                ~ ". Expected: " ~ columns | join(', ') ~ "; found: " ~ found | join(', ') ~ ".") }}
        {%- endif -%}
    {%- endif -%}
    (
        select
            {% for column in columns -%}
                cast({{ adapter.quote(column) }} as varchar) as {{ column }},
            {% endfor -%}
            row_number() over () as source_row_number
        from {{ reader }}
    )
{% endmacro %}

{# Column names of the export, or a clear error naming the file when it cannot be read at all. #}
{% macro raw_export_columns(reader, path, var_name) %}
    {%- set result = run_query('select * from ' ~ reader ~ ' limit 0') if assetrec.raw_export_readable(reader, path, var_name) -%}
    {{ return(result.column_names | map('lower') | map('trim') | list) }}
{% endmacro %}

{% macro raw_export_readable(reader, path, var_name) %}
    {%- set check = run_query("select count(*) from glob('" ~ path | replace("'", "''") ~ "')") -%}
    {%- if check.columns[0].values()[0] == 0 -%}
        {{ exceptions.raise_compiler_error("Input file " ~ path ~ " (var " ~ var_name ~ ") does not exist.") }}
    {%- endif -%}
    {{ return(true) }}
{% endmacro %}
