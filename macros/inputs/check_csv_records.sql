{#
  Number of data records in a CSV file whose header has `width` columns. Scans the whole file with DuckDB's
  reject tables on, and stops the build listing the first malformed lines (in plain words) if there are any.
#}
{% macro check_csv_records(path, var_name, label, width) %}
    {%- set rejects = 'assetrec_rejects_' ~ var_name -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scans') -%}
    {#- Every column is counted so that each value is decoded (and its UTF-8 checked). -#}
    {%- set counted = [] -%}
    {%- for position in range(1, width + 1) -%}
        {%- do counted.append('count(column_' ~ position ~ ')') -%}
    {%- endfor -%}
    {%- set records = assetrec.single_value(
        'select count(*) + 0 * (' ~ counted | join(' + ') ~ ') from '
        ~ assetrec.raw_export_reader(path, width, rejects)) -%}
    {%- set errors = run_query(
        'select line, error_type, error_message, csv_line from ' ~ rejects ~ ' order by line, column_idx') -%}
    {%- if errors.rows | length > 0 -%}
        {%- set problems = {
            'MISSING COLUMNS': 'has fewer fields than the header',
            'TOO MANY COLUMNS': 'has more fields than the header (a value with an unquoted comma?)',
            'UNQUOTED VALUE': 'has a double quote that is never closed or not escaped',
            'INVALID ENCODING': 'is not UTF-8 text',
            'LINE SIZE OVER MAXIMUM': 'is longer than the maximum line size'} -%}
        {%- set findings = [] -%}
        {%- for error in errors.rows -%}
            {#- DuckDB counts lines as records (a quoted line break does not count): line n + 1 = data row n. -#}
            {%- do findings.append([
                "the header" if error[0] == 1 else "data row " ~ (error[0] - 1),
                problems.get(error[1], error[1] | lower) ~ " [" ~ error[2] | trim ~ "]",
                error[3]]) -%}
        {%- endfor -%}
        {%- do assetrec.raise_malformed_csv(label, findings) -%}
    {%- endif -%}
    {{ return(records) }}
{% endmacro %}
