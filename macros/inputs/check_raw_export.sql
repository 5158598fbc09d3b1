{#
  Compile-time checks of a raw export (see raw_export_input). Returns the layout the reader needs:
  {'width': number of columns, 'positions': {expected column: 1-based position},
   'names': {expected column: name as written}, 'header': the column names as written}.
  `optional_columns` are placed in the layout when the file has them (never an error when it has not);
  with require_rows = false a header-only file passes (a daily event file of a quiet day).
#}
{% macro check_raw_export(path, var_name, columns, optional_columns=[], require_rows=true) %}
    {%- set label = "Input file " ~ path ~ " (var " ~ var_name ~ ")" -%}

    {#- Exists, is one file (a pattern `*`, `?`, `[...]` would be read as one export), and is not empty. -#}
    {%- set files = assetrec.export_files(path) -%}
    {%- if files is not none -%}
        {%- if files | length == 0 -%}
            {%- set hint = '' if path.startswith('/') or path[1:2] == ':' else
                ' Relative paths are read from the directory dbt runs in.' -%}
            {{ exceptions.raise_compiler_error(label ~ " does not exist." ~ hint) }}
        {%- elif files | length > 1 -%}
            {{ exceptions.raise_compiler_error(
                label ~ " matches " ~ files | length ~ " files (it is read as a pattern): give the path of one file.") }}
        {%- endif -%}
        {%- if files[0][1] == 0 -%}
            {{ exceptions.raise_compiler_error(
                label ~ " is empty (0 bytes). Expected a header line with the columns "
                ~ columns | join(', ') ~ ", then one line per row.") }}
        {%- endif -%}
    {%- endif -%}

    {%- set layout = assetrec.raw_export_layout(label, assetrec.export_header(path, var_name), columns, optional_columns) -%}

    {#- Well-formed and not header-only: one scan of the whole file, malformed lines listed. -#}
    {%- if assetrec.export_data_rows(path, var_name, label, layout.width) == 0 and require_rows -%}
        {{ exceptions.raise_compiler_error(
            label ~ " has no data rows (only a header). Check the export; an empty export cannot be built.") }}
    {%- endif -%}
    {{ return(layout) }}
{% endmacro %}

{#
  The engine's parts of check_raw_export. export_files: the files matching `path` as [[file, size in bytes], ...]
  (the size of the first file at least), or none when the engine cannot list them (the existence and size
  checks are then left to its reader). export_header: the column names as written. export_data_rows: the
  number of data rows, after stopping the build on malformed CSV records.
#}
{% macro export_files(path) %}
    {{ return(adapter.dispatch('export_files', 'assetrec')(path)) }}
{% endmacro %}
{% macro default__export_files(path) %}
    {{ return(none) }}
{% endmacro %}
{#- DuckDB: glob() returns nothing (rather than failing) for a missing file; read_blob's size does not read it. -#}
{% macro duckdb__export_files(path) %}
    {%- set files = run_query('select file from glob(' ~ assetrec.sql_string(path) ~ ') order by file').columns[0].values() -%}
    {%- if files | length != 1 -%}
        {%- set listed = [] -%}
        {%- for file in files -%}
            {%- do listed.append([file, none]) -%}
        {%- endfor -%}
        {{ return(listed) }}
    {%- endif -%}
    {{ return([[files[0], assetrec.single_value('select size from read_blob(' ~ assetrec.sql_string(path) ~ ')')]]) }}
{% endmacro %}

{% macro export_header(path, var_name) %}
    {{ return(adapter.dispatch('export_header', 'assetrec')(path, var_name)) }}
{% endmacro %}
{% macro default__export_header(path, var_name) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return(run_query('select * from read_parquet(' ~ assetrec.sql_string(path) ~ ') limit 0').column_names) }}
    {%- endif -%}
    {{ return(assetrec.csv_header(path, var_name)) }}
{% endmacro %}

{% macro export_data_rows(path, var_name, label, width) %}
    {{ return(adapter.dispatch('export_data_rows', 'assetrec')(path, var_name, label, width)) }}
{% endmacro %}
{% macro default__export_data_rows(path, var_name, label, width) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return(assetrec.single_value('select count(*) from (select 1 from read_parquet('
            ~ assetrec.sql_string(path) ~ ') limit 1) as probe')) }}
    {%- endif -%}
    {{ return(assetrec.check_csv_records(path, var_name, label, width)) }}
{% endmacro %}

{#
  The layout of an export from its header (column names as written): every expected column exactly once,
  matched without regard to case or surrounding spaces; a missing or repeated column stops the build with
  `label` and the columns found. Shared by every engine's check_raw_export.
#}
{% macro raw_export_layout(label, header, columns, optional_columns=[]) %}
    {%- set positions = {} -%}
    {%- set names = {} -%}
    {%- set duplicated = [] -%}
    {%- for name in header -%}
        {%- set key = name | trim | lower -%}
        {%- if key in positions and (key in columns or key in optional_columns) and key not in duplicated -%}
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
        {#- A name holding a line break: a double quote that is never closed swallowed the lines below it
            (DuckDB then reads the whole file as the header, without an error). Shown on one line, cut. -#}
        {%- set shown = [] -%}
        {%- for name in header -%}
            {%- set text = name | replace('\r', ' ') | replace('\n', ' ') -%}
            {%- do shown.append(text[:80] ~ ('...' if text | length > 80 else '')) -%}
        {%- endfor -%}
        {%- if '\n' in header | join('') | replace('\r', '\n') -%}
            {%- set hint = " A column name spans several lines: is a double quote on the first line never closed?" -%}
        {%- elif header | length == 1 -%}
            {%- set hint = " Is it comma-separated, with the column names on its first line?" -%}
        {%- else -%}
            {%- set hint = "" -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            label ~ " is missing column(s): " ~ missing | join(', ')
            ~ ". Expected: " ~ columns | join(', ') ~ "; found: "
            ~ (shown | join(', ') if header | join('') | trim else "no column names on the first line")
            ~ "." ~ hint) }}
    {%- endif -%}
    {%- if duplicated -%}
        {{ exceptions.raise_compiler_error(
            label ~ " has the column(s) " ~ duplicated | join(', ') ~ " more than once; found: "
            ~ header | join(', ') ~ ". Keep one of each.") }}
    {%- endif -%}

    {%- set layout = {'width': header | length, 'positions': {}, 'names': {}, 'header': header} -%}
    {%- for column in columns + optional_columns if column in positions -%}
        {%- do layout.positions.update({column: positions[column]}) -%}
        {%- do layout.names.update({column: names[column]}) -%}
    {%- endfor -%}

    {{ return(layout) }}
{% endmacro %}
