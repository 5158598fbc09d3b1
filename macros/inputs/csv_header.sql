{#
  The column names on the header line of a CSV file, each trimmed, as DuckDB's CSV reader parses that line
  with the exports' dialect (csv_dialect): quotes removed, a UTF-8 BOM dropped, CR or CRLF line ends,
  duplicated and empty names kept. The first record is read as data (header = false), every field as text
  and padded with nulls up to `width` fields, `width` growing until the padding shows (parallel = false:
  DuckDB refuses null_padding with quoted line breaks otherwise); nullstr = chr(0) keeps an empty name
  ('') apart from the padding. The fields come back as one JSON list, because dbt's
  run_query would turn an empty or `null` text into none and `2024` into a number.
  Not `describe` or sniff_csv: they rename a duplicated name (Page_URL becomes Page_URL_1) or an empty one
  (column0), and fail on a file with a malformed line further down, which check_csv_records must report
  with its row number; store_rejects and strict_mode = false keep such lines from failing this read.
  DuckDB skips blank lines there, but the data reader takes a blank first line for the header (and the
  real header for a data row), so a blank first line, read raw, gives no names.
#}
{% macro csv_header(path, var_name) %}
    {%- set rejects = 'assetrec_header_rejects_' ~ var_name -%}
    {%- set drop_rejects = 'drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scans' -%}
    {%- set read_options = [
        'header = false', 'strict_mode = false', 'store_rejects = true',
        "rejects_table = '" ~ rejects ~ "'", "rejects_scan = '" ~ rejects ~ "_scans'"] -%}
    {%- set reader = 'read_csv(' ~ assetrec.sql_string(path) ~ ', ' -%}

    {%- do run_query(drop_rejects) -%}
    {%- set first_line = run_query(
        'select line is null as blank from ' ~ reader
        ~ (assetrec.csv_dialect(raw_lines=true) + read_options + ["columns = {'line': 'varchar'}"]) | join(', ')
        ~ ') limit 1').rows -%}
    {%- if first_line | length == 0 or first_line[0][0] -%}
        {{ return(['']) }}
    {%- endif -%}

    {%- set header = {'fields': none} -%}
    {%- for width in [64, 512, 4096, 32768] if header.fields is none -%}
        {%- set fields = [] -%}
        {%- for position in range(1, width + 1) -%}
            {%- do fields.append('column_' ~ position) -%}
        {%- endfor -%}
        {%- do run_query(drop_rejects) -%}
        {%- set rows = run_query(
            'select to_json([' ~ fields | join(', ') ~ ']) as fields from ' ~ reader
            ~ (assetrec.csv_dialect() + read_options + [
                'columns = ' ~ assetrec.csv_text_columns(width), 'null_padding = true', 'parallel = false',
                'nullstr = chr(0)']) | join(', ')
            ~ ') limit 1').rows -%}
        {%- set values = fromjson(rows[0][0]) if rows | length > 0 else [] -%}
        {%- if values | length == 0 or values[-1] is none or width == 32768 -%}
            {%- do header.update({'fields': values}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set names = [] -%}
    {%- for value in header.fields if value is not none -%}
        {%- do names.append(value | trim) -%}
    {%- endfor -%}
    {{ return(names or ['']) }}
{% endmacro %}
