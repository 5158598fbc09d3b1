{#
  How to read the raw export (CSV or Parquet) at `path`, one row per data record: checked first.

  Before anything is built, the file is checked at compile time, and each problem stops the build with
  "Input file <path> (var <var>) <problem in plain words>": it does not exist (or is a pattern matching
  several files), is empty (0 bytes), lacks an expected column (or has one twice), is not well-formed CSV
  (a line with more or fewer fields than the header, a quote that is never closed, text that is not
  UTF-8), or has no data rows (header only).

  Columns are matched by name, ignoring case and surrounding spaces: order, extra columns and the unnamed
  index column do not matter. CSV: the first line is the header, read with csv_dialect (DuckDB's sniffer
  off); a UTF-8 BOM and LF, CRLF or CR line endings are accepted.

  Returns {'file': path, 'reader': the table function reading it, 'columns': {expected column: the
  expression reading it}}; raw_export_rows turns that into rows. The reader keeps the file order
  (preserve_insertion_order is on by default), which source_row_number relies on.
#}
{% macro raw_export_input(path, var_name, columns) %}
    {{ return(adapter.dispatch('raw_export_input', 'assetrec')(path, var_name, columns)) }}
{% endmacro %}

{% macro duckdb__raw_export_input(path, var_name, columns) %}
    {#- At parse time (execute is false) nothing is read, and the expected columns are not known yet. -#}
    {%- set layout = {'width': 0, 'positions': {}, 'names': {}} -%}
    {%- if execute -%}
        {%- set layout = assetrec.check_raw_export(path, var_name, columns) -%}
    {%- endif -%}
    {%- set expressions = {} -%}
    {%- for column in columns -%}
        {%- do expressions.update({column: assetrec.raw_export_column(path, layout, column)}) -%}
    {%- endfor -%}
    {{ return({'file': path, 'reader': assetrec.raw_export_reader(path, layout.width), 'columns': expressions}) }}
{% endmacro %}
