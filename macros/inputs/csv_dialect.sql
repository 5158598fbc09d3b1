{#
  The read_csv options every CSV export is read with, DuckDB's sniffer off (auto_detect = false): it
  silently dropped rows whose first value starts with `#` (taken for comments), silently skipped lines
  above the header, and hid malformed lines behind an unclear "could not detect the dialect" error.
  Delimiter `,`, quote and escape `"`; with raw_lines, every line is one field as written (no delimiter,
  no quoting).
#}
{% macro csv_dialect(raw_lines=false) %}
    {%- set options = ['auto_detect = false', 'skip = 0', "comment = ''"] -%}
    {%- if raw_lines -%}
        {{ return(options + ['delim = chr(1)', "quote = ''", "escape = ''"]) }}
    {%- endif -%}
    {{ return(options + ["delim = ','", "quote = '\"'", "escape = '\"'"]) }}
{% endmacro %}
