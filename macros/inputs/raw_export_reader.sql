{#
  The DuckDB table function reading `path`. CSV columns are named by position (csv_text_columns) so header
  names never need quoting; `rejects` adds DuckDB's reject tables (malformed lines are recorded in temp
  table `rejects` instead of failing the scan).
#}
{% macro raw_export_reader(path, width, rejects=none) %}
    {%- set quoted_path = assetrec.sql_string(path) -%}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return('read_parquet(' ~ quoted_path ~ ')') }}
    {%- endif -%}
    {%- set options = assetrec.csv_dialect() + ['header = true', 'columns = ' ~ assetrec.csv_text_columns(width)] -%}
    {%- if rejects -%}
        {%- do options.extend([
            'store_rejects = true', "rejects_table = '" ~ rejects ~ "'",
            "rejects_scan = '" ~ rejects ~ "_scans'", 'rejects_limit = 5']) -%}
    {%- endif -%}
    {{ return('read_csv(' ~ quoted_path ~ ', ' ~ options | join(', ') ~ ')') }}
{% endmacro %}
