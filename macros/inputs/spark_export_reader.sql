{#
  Spark versions of the export reader (see raw_export_input, check_raw_export). Spark SQL has no read_csv: each
  export is read through a temporary view `using csv` (or parquet) with every column declared as text, by
  position (column_1 ... column_<width>), header line skipped, never with inferSchema (a 38-digit cookie would
  become a number). The compile-time checks stop the build with the same messages as on DuckDB.
#}

{#- sparklocal: dbt runs in Spark's driver, which lists local files itself (adapter.local_files, the plugin). -#}
{% macro sparklocal__export_files(path) %}
    {{ return(adapter.local_files(path)) }}
{% endmacro %}

{# The name of the temporary view reading the export of var `var_name` for `purpose` (reader, header, check). #}
{% macro spark_export_view(var_name, purpose) %}
    {{ return('assetrec_' ~ purpose ~ '_' ~ var_name | replace('-', '_')) }}
{% endmacro %}

{# The CSV options of the exports' dialect (csv_dialect), for Spark's reader: multiLine keeps quoted line breaks. #}
{% macro spark_csv_options(path, header, corrupt_record_column=none) %}
    {%- set options = {
        'path': path, 'header': header, 'multiLine': 'true', 'mode': 'PERMISSIVE', 'sep': ',',
        'quote': '"', 'escape': '"', 'encoding': 'UTF-8', 'enforceSchema': 'true', 'inferSchema': 'false',
        'ignoreLeadingWhiteSpace': 'false', 'ignoreTrailingWhiteSpace': 'false', 'nullValue': ''} -%}
    {%- if corrupt_record_column -%}
        {%- do options.update({'columnNameOfCorruptRecord': corrupt_record_column}) -%}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for key, value in options.items() -%}
        {%- do parts.append(key ~ ' ' ~ assetrec.sql_string(value)) -%}
    {%- endfor -%}
    {{ return('options (' ~ parts | join(', ') ~ ')') }}
{% endmacro %}

{# Creates (or replaces) temporary view `name` reading `path`; CSV with `width` text columns column_1 .. column_<width>. #}
{% macro spark_create_export_view(name, path, width=none, header='true', corrupt_record_column=none) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ ' using parquet options (path '
            ~ assetrec.sql_string(path) ~ ')') -%}
    {%- else -%}
        {%- set columns = [] -%}
        {%- for position in range(1, (width or 0) + 1) -%}
            {%- do columns.append('column_' ~ position ~ ' string') -%}
        {%- endfor -%}
        {%- if corrupt_record_column -%}
            {%- do columns.append(corrupt_record_column ~ ' string') -%}
        {%- endif -%}
        {%- do run_query('create or replace temporary view ' ~ name
            ~ (' (' ~ columns | join(', ') ~ ')' if columns else '')
            ~ ' using csv ' ~ assetrec.spark_csv_options(path, header, corrupt_record_column)) -%}
    {%- endif -%}
{% endmacro %}

{# Spark's parts of check_raw_export (see export_files there). #}
{% macro spark__export_header(path, var_name) %}
    {#- The header: column names as written (CSV: the first record, read without a schema, as one JSON list). -#}
    {%- set header_view = assetrec.spark_export_view(var_name, 'header') -%}
    {%- if assetrec.is_parquet_path(path) -%}
        {%- do assetrec.spark_create_export_view(header_view, path) -%}
        {%- set header = run_query('select * from ' ~ header_view ~ ' limit 0').column_names -%}
    {%- else -%}
        {%- do assetrec.spark_create_export_view(header_view, path, header='false') -%}
        {%- set fields = run_query('select * from ' ~ header_view ~ ' limit 0').column_names -%}
        {%- set rows = run_query('select to_json(array(' ~ fields | join(', ') ~ ')) as fields from '
            ~ header_view ~ ' limit 1').rows -%}
        {%- set header = [] -%}
        {%- for value in (fromjson(rows[0][0]) if rows | length > 0 else []) -%}
            {%- do header.append((value or '') | replace('\ufeff', '') | trim) -%}
        {%- endfor -%}
        {%- set header = header or [''] -%}
    {%- endif -%}

    {{ return(header) }}
{% endmacro %}

{% macro spark__export_data_rows(path, var_name, label, width) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {%- set view = assetrec.spark_export_view(var_name, 'header') -%}
        {%- do assetrec.spark_create_export_view(view, path) -%}
        {{ return(assetrec.single_value('select count(*) from (select 1 from ' ~ view ~ ' limit 1) as probe')) }}
    {%- endif -%}
    {{ return(assetrec.spark_check_csv_records(path, var_name, label, width)) }}
{% endmacro %}

{#
  Number of data records of a CSV file whose header has `width` columns, as check_csv_records on DuckDB: stops
  the build listing the first malformed records. Spark's reader (PERMISSIVE) puts a record whose number of fields
  differs from the header's into the column _corrupt_record (fewer fields: its last column is null); text that is
  not UTF-8 reads as U+FFFD.
#}
{% macro spark_check_csv_records(path, var_name, label, width) %}
    {%- set view = assetrec.spark_export_view(var_name, 'check') -%}
    {%- do assetrec.spark_create_export_view(view, path, width, corrupt_record_column='_corrupt_record') -%}
    {%- set fields = [] -%}
    {%- for position in range(1, width + 1) -%}
        {%- do fields.append('column_' ~ position) -%}
    {%- endfor -%}
    {%- set records = assetrec.single_value('select count(*) from ' ~ view) -%}
    {%- set errors = run_query(
        "select data_row, problem, text from (select row_number() over (order by monotonically_increasing_id())"
        ~ " as data_row, case when _corrupt_record is not null and column_" ~ width ~ " is null then 'MISSING COLUMNS'"
        ~ " when _corrupt_record is not null then 'TOO MANY COLUMNS'"
        ~ " when instr(concat_ws('', " ~ fields | join(', ') ~ "), '\\ufffd') > 0 then 'INVALID ENCODING' end as problem,"
        ~ " coalesce(_corrupt_record, concat_ws(',', " ~ fields | join(', ') ~ ")) as text from " ~ view ~ ") as records"
        ~ " where problem is not null order by data_row limit 5") -%}
    {%- if errors.rows | length > 0 -%}
        {%- set problems = {
            'MISSING COLUMNS': 'has fewer fields than the header (or a double quote that is never closed)',
            'TOO MANY COLUMNS': 'has more fields than the header (a value with an unquoted comma?)',
            'INVALID ENCODING': 'is not UTF-8 text'} -%}
        {%- set findings = [] -%}
        {%- for error in errors.rows -%}
            {%- do findings.append(["data row " ~ error[0], problems[error[1]], error[2]]) -%}
        {%- endfor -%}
        {%- do assetrec.raise_malformed_csv(label, findings) -%}
    {%- endif -%}
    {{ return(records) }}
{% endmacro %}

{#
  Spark: the reader is a temporary view over the file (created here, at compile time, after the checks), so the
  model reading it is a table (raw_export_materialization).
#}
{% macro spark__raw_export_input(path, var_name, columns) %}
    {%- set layout = {'width': 0, 'positions': {}, 'names': {}} -%}
    {%- set view = assetrec.spark_export_view(var_name, 'export') -%}
    {%- if execute -%}
        {%- set layout = assetrec.check_raw_export(path, var_name, columns) -%}
        {%- do assetrec.spark_create_export_view(view, path, layout.width) -%}
    {%- endif -%}
    {%- set expressions = {} -%}
    {%- for column in columns -%}
        {%- do expressions.update({column: assetrec.raw_export_column(path, layout, column)}) -%}
    {%- endfor -%}
    {{ return({'file': path, 'reader': view, 'columns': expressions}) }}
{% endmacro %}

{#- Spark's CSV reader gives a quoted empty value as '', DuckDB's (and dbt seeds) as null: both null here. -#}
{% macro spark__raw_export_column(path, layout, column) %}
    {%- if assetrec.is_parquet_path(path) -%}
        {{ return(adapter.quote(layout.get('names', {}).get(column, column))) }}
    {%- endif -%}
    {{ return("nullif(column_" ~ layout.positions[column] ~ ", '')") }}
{% endmacro %}

{#
  Spark: the bundled sample is read from the seed's CSV file, like an export, not from the seed table: a Spark
  table keeps no row order, and source_row_number (which row is first among duplicates) is the file's order.
  source_file is the seed's path as on DuckDB; the seed is still ref'd, for the lineage.
#}
{% macro spark__sample_export_input(sample_seed, columns) %}
    {%- set relation = ref(sample_seed) -%}
    {%- if not execute -%}
        {%- set expressions = {} -%}
        {%- for column in columns -%}
            {%- do expressions.update({column: column}) -%}
        {%- endfor -%}
        {{ return({'file': '', 'reader': relation, 'columns': expressions}) }}
    {%- endif -%}
    {%- set node = graph.nodes['seed.' ~ project_name ~ '.' ~ sample_seed] -%}
    {%- set input = assetrec.raw_export_input(node.root_path ~ '/' ~ node.original_file_path, sample_seed, columns) -%}
    {%- do input.update({'file': node.original_file_path}) -%}
    {{ return(input) }}
{% endmacro %}
