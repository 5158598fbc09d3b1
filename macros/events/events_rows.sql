{#
  The body of base_events__events: every raw event row as text (source_file, the canonical columns of
  event_canonical_columns(), source_row_number = the row's position among the data rows of its file), read
  from every file matching var('events_path') (a file or a glob; files in name order) through the preset
  of var('event_format') and var('event_columns'). Each file is checked at compile time like the
  aggregated export (check_raw_export: missing, empty, a missing or repeated column, malformed CSV), and
  read on its own, so daily files may order their columns differently; a header-only file is a day without
  events. The events as a whole are checked where they are read (check_event_rows, by
  stg_events__events_validated). Without events_path: no rows.
  GA4 Parquet exports without a flat page_location column take the page from the nested event_params
  list (the entry whose key is page_location, value.string_value).
#}
{% macro events_rows(source_name, table_name) %}
    {%- do source(source_name, table_name) -%}
    {%- set columns = assetrec.event_canonical_columns() -%}
    {%- set path = assetrec.events_path() -%}
    {%- if path is none or not execute -%}
        {{ return(assetrec.no_event_rows()) }}
    {%- endif -%}
    {%- set label = assetrec.events_label(path) -%}
    {%- set mapping = assetrec.event_columns_mapping() -%}
    {%- set listed = assetrec.export_files(path) -%}
    {#- An engine that cannot list the files (a URI on Spark) reads the pattern as one. -#}
    {%- set files = [path] if listed is none else listed | map(attribute=0) | list -%}
    {%- if files | length == 0 -%}
        {%- set hint = '' if path.startswith('/') or path[1:2] == ':' else
            ' Relative paths are read from the directory dbt runs in.' -%}
        {{ exceptions.raise_compiler_error(label ~ ": no file matches (does not exist)." ~ hint) }}
    {%- endif -%}

    {%- set selects = [] -%}
    {%- for file in files -%}
        {%- set required = [] -%}
        {%- set optional = [] -%}
        {%- set nested_page = mapping.columns.page_url == 'page_location' and assetrec.is_parquet_path(file) -%}
        {%- for column in columns -%}
            {%- set file_column = mapping.columns[column] -%}
            {%- if column in mapping.required and not (column == 'page_url' and nested_page) -%}
                {%- do required.append(file_column) -%}
            {%- elif file_column not in required + optional -%}
                {%- do optional.append(file_column) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if nested_page -%}
            {%- do optional.append('event_params') -%}
        {%- endif -%}
        {%- set layout = assetrec.check_raw_export(file, 'events_path', required, optional, require_rows=false) -%}
        {%- set expressions = {} -%}
        {%- for column in columns -%}
            {%- set file_column = mapping.columns[column] -%}
            {%- if file_column in layout.positions -%}
                {%- do expressions.update({column: assetrec.raw_export_column(file, layout, file_column)}) -%}
            {%- elif column == 'page_url' and nested_page and 'event_params' in layout.positions -%}
                {%- do expressions.update({column: assetrec.event_param_string(
                    assetrec.raw_export_column(file, layout, 'event_params'), 'page_location')}) -%}
            {%- elif column == 'page_url' and nested_page -%}
                {{ exceptions.raise_compiler_error(
                    "Input file " ~ file ~ " (var events_path) is missing column(s): page_location (flat, or as"
                    ~ " the key of an entry of a nested event_params list). Found: " ~ layout.header | join(', ') ~ ".") }}
            {%- else -%}
                {%- do expressions.update({column: 'null'}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set select -%}
    select
        {{ assetrec.sql_string(file) }} as source_file,
        {%- for column in columns %}
        cast({{ expressions[column] }} as {{ assetrec.text_type() }}) as {{ column }},
        {%- endfor %}
        {{ assetrec.file_row_number() }} as source_row_number
    from {{ assetrec.event_file_reader(file, layout.width, loop.index) }}
        {%- endset -%}
        {%- do selects.append(select) -%}
    {%- endfor -%}
    {{ return(selects | join('\n    union all\n')) }}
{% endmacro %}

{#
  The reader of the `index`-th event file: DuckDB's table function (raw_export_reader); on Spark a temporary
  view over the file, created here at compile time (spark_create_export_view), one per file.
#}
{% macro event_file_reader(file, width, index) %}
    {{ return(adapter.dispatch('event_file_reader', 'assetrec')(file, width, index)) }}
{% endmacro %}
{% macro default__event_file_reader(file, width, index) %}
    {{ return(assetrec.raw_export_reader(file, width)) }}
{% endmacro %}
{% macro spark__event_file_reader(file, width, index) %}
    {%- set view = assetrec.spark_export_view('events_path', 'events_' ~ index) -%}
    {%- do assetrec.spark_create_export_view(view, file, width) -%}
    {{ return(view) }}
{% endmacro %}

{# The string_value of the entry with `key` of a GA4 list of event parameters (null when it has none). #}
{% macro event_param_string(params, key) %}
    {{ return(adapter.dispatch('event_param_string', 'assetrec')(params, key)) }}
{% endmacro %}
{% macro default__event_param_string(params, key) -%}
    list_filter({{ params }}, lambda p: p.key = {{ assetrec.sql_string(key) }})[1].value.string_value
{%- endmacro %}
{% macro spark__event_param_string(params, key) -%}
    try_element_at(filter({{ params }}, p -> p.key = {{ assetrec.sql_string(key) }}), 1).value.string_value
{%- endmacro %}

{# No event rows, in base_events__events' columns (when the aggregated export or the sample is the input). #}
{% macro no_event_rows() %}
    {%- set names = [] -%}
    {%- for column in assetrec.event_canonical_columns() -%}
        {%- do names.append('cast(null as ' ~ assetrec.text_type() ~ ') as ' ~ column) -%}
    {%- endfor -%}
    {{ return('select cast(null as ' ~ assetrec.text_type() ~ ') as source_file, ' ~ names | join(', ')
        ~ ', cast(null as bigint) as source_row_number where false') }}
{% endmacro %}

{# How messages name the event input. #}
{% macro events_label(path) %}
    {{ return("Input file(s) " ~ path ~ " (var events_path)") }}
{% endmacro %}

{#
  Checks of the events as a whole (compile time, one scan of `rows`, the rows a build reads): at least one
  data row, a unit for integer timestamps, at least one submission event (else the event names found are
  listed). An incremental build reads only new files: `kept_rows` and `kept_submissions` count the rows
  and submission events it keeps from earlier builds, which count towards the first and last check.
#}
{% macro check_event_rows(rows, label, kept_rows=0, kept_submissions=0) %}
    {%- set name = assetrec.trim_whitespace('event_name') -%}
    {%- set probe = run_query(
        'select count(*) as n, count(*) filter (where ' ~ assetrec.is_submission_event(name) ~ ') as submissions,'
        ~ " min(" ~ assetrec.trim_whitespace('event_timestamp') ~ ") filter (where "
        ~ assetrec.is_integer_text(assetrec.trim_whitespace('event_timestamp')) ~ ") as integer_example"
        ~ ' from (' ~ rows ~ ') as events').rows[0] -%}
    {%- if probe[0] + kept_rows == 0 -%}
        {{ exceptions.raise_compiler_error(
            label ~ " have no data rows (only headers). Check the export; an empty export cannot be built.") }}
    {%- endif -%}
    {%- if probe[2] is not none and assetrec.event_timestamp_unit() is none -%}
        {{ exceptions.raise_compiler_error(
            label ~ " hold integer timestamps (e.g. " ~ probe[2] ~ ") in column "
            ~ assetrec.event_columns_mapping().columns.event_timestamp ~ ": set var event_timestamp_unit to s, ms"
            ~ " or us (seconds, milliseconds or microseconds since 1970-01-01 UTC).") }}
    {%- endif -%}
    {%- if probe[1] + kept_submissions == 0 -%}
        {%- set found = [] -%}
        {%- for row in run_query(
            'select coalesce(' ~ name ~ ", '(none)') as event_name, count(*) as events from (" ~ rows ~ ') as events'
            ~ ' group by 1 order by 2 desc, 1 limit 10').rows -%}
            {%- do found.append(row[0] ~ ' (' ~ row[1] ~ ')') -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            label ~ " hold no submission event: " ~ (probe[0] + kept_rows) ~ " events, none named "
            ~ assetrec.submission_event_names() | join(', ') ~ " (var submission_events). Event names found: "
            ~ found | join(', ') ~ ".") }}
    {%- endif -%}
{% endmacro %}

{#
  check_event_rows on the rows a build of stg_events__events_validated reads (`base` where `reload`, see
  events_reload_condition), counting the rows an incremental build keeps. Nothing without events_path.
#}
{% macro check_events_read(base, reload) %}
    {%- if not execute or assetrec.events_path() is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set kept = [0, 0] -%}
    {%- if is_incremental() -%}
        {%- set kept = run_query('select count(*), count(*) filter (where not is_ignored) from ' ~ this
            ~ ' where not (' ~ reload ~ ')').rows[0] -%}
    {%- endif -%}
    {%- do assetrec.check_event_rows('select * from ' ~ base ~ ' where ' ~ reload,
        assetrec.events_label(assetrec.events_path()), kept[0], kept[1]) -%}
{% endmacro %}
