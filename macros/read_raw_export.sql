{#
  Read a raw export (CSV or Parquet) at `path` as text columns, one row per data record.

  Before anything is built, the file is checked at compile time, and each problem stops the build with
  "Input file <path> (var <var>) <problem in plain words>": it does not exist (or is a pattern matching
  several files), is empty (0 bytes), lacks an expected column (or has one twice), is not well-formed CSV
  (a line with more or fewer fields than the header, a quote that is never closed, text that is not
  UTF-8), or has no data rows (header only).

  Columns are matched by name, ignoring case and surrounding spaces: order, extra columns and the unnamed
  index column do not matter. CSV: the first line is the header, delimiter `,`, quote and escape `"`;
  a UTF-8 BOM and LF, CRLF or CR line endings are accepted. DuckDB's CSV sniffer is switched off
  (auto_detect = false): it silently dropped rows whose first value starts with `#` (taken for comments),
  silently skipped lines above the header, and hid malformed lines behind an unclear "could not detect the
  dialect" error.

  `source_row_number` is the position of the record among the data records, in file order (1 = the first
  record after the header; a record whose quoted value spans several lines counts once). DuckDB keeps the
  scan order (preserve_insertion_order is on by default).
#}
{% macro read_raw_export(path, var_name, columns) %}
    {{ return(adapter.dispatch('read_raw_export', 'assetrec')(path, var_name, columns)) }}
{% endmacro %}

{% macro duckdb__read_raw_export(path, var_name, columns) %}
    {#- At parse time (execute is false) nothing is read: the expected columns stand in for the header. -#}
    {%- set layout = {'width': columns | length, 'positions': {}} -%}
    {%- for column in columns -%}
        {%- do layout.positions.update({column: loop.index}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- set layout = assetrec.check_raw_export(path, var_name, columns) -%}
    {%- endif -%}
    (
        select
            {% for column in columns -%}
                cast({{ assetrec.raw_export_column(path, layout, column) }} as varchar) as {{ column }},
            {% endfor -%}
            row_number() over () as source_row_number
        from {{ assetrec.raw_export_reader(path, layout.width) }}
    )
{% endmacro %}

{# True when `path` is read as Parquet (by its extension), else it is read as CSV. #}
{% macro is_parquet_path(path) %}
    {{ return(path.lower().endswith('.parquet')) }}
{% endmacro %}

{#
  The DuckDB table function reading `path`. CSV columns are named by position (column_1 ... column_<width>,
  every one text) so header names never need quoting; `rejects` adds DuckDB's reject tables (malformed
  lines are recorded in temp table `rejects` instead of failing the scan).
#}
{% macro raw_export_reader(path, width, rejects=none) %}
    {%- set quoted_path = assetrec.sql_string(path) -%}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return('read_parquet(' ~ quoted_path ~ ')') }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for position in range(1, width + 1) -%}
        {%- do names.append("'column_" ~ position ~ "': 'varchar'") -%}
    {%- endfor -%}
    {%- set options = [
        'auto_detect = false', 'header = true', 'skip = 0', "comment = ''",
        "delim = ','", "quote = '\"'", "escape = '\"'", 'columns = {' ~ names | join(', ') ~ '}'] -%}
    {%- if rejects -%}
        {%- do options.extend([
            'store_rejects = true', "rejects_table = '" ~ rejects ~ "'",
            "rejects_scan = '" ~ rejects ~ "_scans'", 'rejects_limit = 5']) -%}
    {%- endif -%}
    {{ return('read_csv(' ~ quoted_path ~ ', ' ~ options | join(', ') ~ ')') }}
{% endmacro %}

{# The expression reading expected column `column`: by name as written (Parquet) or by position (CSV). #}
{% macro raw_export_column(path, layout, column) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return(adapter.quote(layout.get('names', {}).get(column, column))) }}
    {%- endif -%}
    {{ return('column_' ~ layout.positions[column]) }}
{% endmacro %}

{# A SQL string literal holding `text`. #}
{% macro sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}

{#
  The path in var `var_name`, or none when neither it nor `paired_var_name` is set (the bundled sample is
  used then). Setting only one of the two vars, or setting one to an empty text, stops the build: mixing a
  real export with the sample mapping (or the reverse) would build without an error and mean nothing.
#}
{% macro raw_export_path(var_name, paired_var_name) %}
    {%- set path = var(var_name) -%}
    {%- set paired_path = var(paired_var_name) -%}
    {%- if path is none and paired_path is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if execute -%}
        {%- if path is none -%}
            {{ exceptions.raise_compiler_error(
                "Var " ~ var_name ~ " is not set, but var " ~ paired_var_name ~ " is. "
                ~ "Set both submissions_path and bu_mapping_path to read your own exports, "
                ~ "or neither to use the bundled sample.") }}
        {%- endif -%}
        {%- if path | string | trim == '' -%}
            {{ exceptions.raise_compiler_error(
                "Var " ~ var_name ~ " is empty: give the path of the export file (CSV or Parquet), "
                ~ "or unset both submissions_path and bu_mapping_path to use the bundled sample.") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(path | string if path is not none else '') }}
{% endmacro %}

{#
  Compile-time checks of a raw export (see the top of this file). Returns the layout the reader needs:
  {'width': number of columns, 'positions': {expected column: 1-based position},
   'names': {expected column: name as written}}.
#}
{% macro check_raw_export(path, var_name, columns) %}
    {{ return(adapter.dispatch('check_raw_export', 'assetrec')(path, var_name, columns)) }}
{% endmacro %}

{% macro duckdb__check_raw_export(path, var_name, columns) %}
    {%- set label = "Input file " ~ path ~ " (var " ~ var_name ~ ")" -%}
    {%- set quoted_path = assetrec.sql_string(path) -%}

    {#- Exists, and is one file: glob() returns nothing (rather than failing) for a missing file, and DuckDB
        would read every match of a pattern (`*`, `?`, `[...]`) as one export. -#}
    {%- set files = assetrec.single_value('select count(*) from glob(' ~ quoted_path ~ ')') -%}
    {%- if files == 0 -%}
        {%- set hint = '' if path.startswith('/') or path[1:2] == ':' else
            ' Relative paths are read from the directory dbt runs in.' -%}
        {{ exceptions.raise_compiler_error(label ~ " does not exist." ~ hint) }}
    {%- elif files > 1 -%}
        {{ exceptions.raise_compiler_error(
            label ~ " matches " ~ files ~ " files (it is read as a pattern): give the path of one file.") }}
    {%- endif -%}

    {#- Not empty: read_blob's size does not read the file. -#}
    {%- if assetrec.single_value('select count(*) from read_blob(' ~ quoted_path ~ ') where size = 0') > 0 -%}
        {{ exceptions.raise_compiler_error(
            label ~ " is empty (0 bytes). Expected a header line with the columns "
            ~ columns | join(', ') ~ ", then one line per row.") }}
    {%- endif -%}

    {#- The header: column names as written. -#}
    {%- if assetrec.is_parquet_path(path) -%}
        {%- set header = run_query('select * from read_parquet(' ~ quoted_path ~ ') limit 0').column_names -%}
    {%- else -%}
        {%- set header = assetrec.csv_header(path, var_name) -%}
    {%- endif -%}

    {#- Every expected column exactly once, matched without regard to case or surrounding spaces. -#}
    {%- set positions = {} -%}
    {%- set names = {} -%}
    {%- set duplicated = [] -%}
    {%- for name in header -%}
        {%- set key = name | trim | lower -%}
        {%- if key in positions and key in columns and key not in duplicated -%}
            {%- do duplicated.append(key) -%}
        {%- elif key not in positions -%}
            {%- do positions.update({key: loop.index}) -%}
            {%- do names.update({key: name}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for column in columns if column not in positions -%}
        {%- do missing.append(column) -%}
    {%- endfor -%}
    {%- if missing -%}
        {%- set hint = " Is it comma-separated, with the column names on its first line?"
            if header | length == 1 else "" -%}
        {{ exceptions.raise_compiler_error(
            label ~ " is missing column(s): " ~ missing | join(', ')
            ~ ". Expected: " ~ columns | join(', ') ~ "; found: "
            ~ (header | join(', ') if header | join('') | trim else "no column names on the first line")
            ~ "." ~ hint) }}
    {%- endif -%}
    {%- if duplicated -%}
        {{ exceptions.raise_compiler_error(
            label ~ " has the column(s) " ~ duplicated | join(', ') ~ " more than once; found: "
            ~ header | join(', ') ~ ". Keep one of each.") }}
    {%- endif -%}

    {%- set layout = {'width': header | length, 'positions': {}, 'names': {}} -%}
    {%- for column in columns -%}
        {%- do layout.positions.update({column: positions[column]}) -%}
        {%- do layout.names.update({column: names[column]}) -%}
    {%- endfor -%}

    {#- Well-formed and not header-only: one scan of the whole file, malformed lines recorded, not raised. -#}
    {%- if assetrec.is_parquet_path(path) -%}
        {%- set data_rows = assetrec.single_value(
            'select count(*) from (select 1 from read_parquet(' ~ quoted_path ~ ') limit 1) as probe') -%}
    {%- else -%}
        {%- set data_rows = assetrec.check_csv_records(path, var_name, label, layout.width) -%}
    {%- endif -%}
    {%- if data_rows == 0 -%}
        {{ exceptions.raise_compiler_error(
            label ~ " has no data rows (only a header). Check the export; an empty export cannot be built.") }}
    {%- endif -%}
    {{ return(layout) }}
{% endmacro %}

{# The one value of a one-row, one-column query. #}
{% macro single_value(sql) %}
    {{ return(run_query(sql).columns[0].values()[0]) }}
{% endmacro %}

{#
  The column names on the first line of a CSV file, read as one raw line (no delimiter, no quoting) and
  split on commas; names may be enclosed in double quotes. Malformed lines further down are left to
  check_csv_records (strict_mode = false and store_rejects keep them from failing this read: without
  quoting, a line break inside a quoted value looks malformed).
#}
{% macro csv_header(path, var_name) %}
    {%- set rejects = 'assetrec_header_rejects_' ~ var_name -%}
    {%- do run_query('drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ rejects ~ '_scans') -%}
    {%- set lines = run_query(
        'select line from read_csv(' ~ assetrec.sql_string(path) ~ ", auto_detect = false, header = false,"
        ~ " skip = 0, comment = '', columns = {'line': 'varchar'}, delim = chr(1), quote = '', escape = '',"
        ~ " strict_mode = false, store_rejects = true,"
        ~ " rejects_table = '" ~ rejects ~ "', rejects_scan = '" ~ rejects ~ "_scans') limit 1"
    ).columns[0].values() -%}
    {%- set line = (lines[0] or '') if lines | length > 0 else '' -%}
    {%- set names = [] -%}
    {%- for name in line.split(',') -%}
        {%- set name = name | trim -%}
        {%- if name | length >= 2 and name.startswith('"') and name.endswith('"') -%}
            {%- set name = name[1:-1] | replace('""', '"') -%}
        {%- endif -%}
        {%- do names.append(name) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}

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
        {%- set lines = [] -%}
        {%- for error in errors.rows -%}
            {%- set text = (error[3] or '') | replace('\r', '') | replace('\n', ' ') -%}
            {#- DuckDB counts lines as records (a quoted line break does not count): line n + 1 = data row n. -#}
            {%- do lines.append(
                ("the header" if error[0] == 1 else "data row " ~ (error[0] - 1))
                ~ " " ~ problems.get(error[1], error[1] | lower)
                ~ " [" ~ error[2] | trim ~ "]: " ~ (text[:80] ~ ('...' if text | length > 80 else ''))) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            label ~ " is not a well-formed CSV file (data row 1 = the first record after the header):\n    "
            ~ lines | unique | join('\n    ')
            ~ "\n  Values that contain commas, double quotes or line breaks must be enclosed in double quotes"
            ~ " (a double quote inside them written twice), every line must have as many fields as the"
            ~ " header, and the file must be UTF-8.") }}
    {%- endif -%}
    {{ return(records) }}
{% endmacro %}
