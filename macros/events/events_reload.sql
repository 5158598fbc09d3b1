{#
  Which event files an incremental build of stg_events__events_validated reads again. The table keeps each
  row's file with the file's size and modification time; a daily build reloads every file from the first
  one (in name order) that is new with data rows, changed (other size or time), gone, or holds an event
  rejected as in the future (it may be due now), and leaves the rows of the files before it as they are.
  Reloading from the first such file on, not just that file, keeps the first-seen rule of duplicate events
  (file name order, then row order) exactly as a full build applies it, so a backfilled older file gives
  the same table as a full refresh. A new header-only file changes nothing and reloads nothing.
#}

{#
  The files matching var('events_path') as a select: source_file (as the glob matches it, like
  base_events__events), source_file_size (bytes) and source_file_modified; no rows without events_path.
#}
{% macro event_file_versions() %}
    {%- set path = assetrec.events_path() -%}
    {%- if path is none -%}
        {{ return(assetrec.no_event_file_versions()) }}
    {%- endif -%}
    {{ return(adapter.dispatch('event_file_versions', 'assetrec')(path)) }}
{% endmacro %}
{% macro default__event_file_versions(path) %}
    {{ return('select filename as source_file, size as source_file_size, last_modified as source_file_modified'
        ~ ' from read_blob(' ~ assetrec.sql_string(path) ~ ')') }}
{% endmacro %}
{#- Spark: the files the plugin lists (adapter.local_files, with their size and modification time), as values. -#}
{% macro spark__event_file_versions(path) %}
    {%- set rows = [] -%}
    {%- for file in (assetrec.export_files(path) or []) -%}
        {%- do rows.append('(' ~ assetrec.sql_string(file[0]) ~ ', cast(' ~ file[1] ~ ' as bigint), timestamp_micros('
            ~ (file[2] * 1000000) | int ~ '))') -%}
    {%- endfor -%}
    {%- if not rows -%}
        {{ return(assetrec.no_event_file_versions()) }}
    {%- endif -%}
    {{ return('select * from values ' ~ rows | join(', ')
        ~ ' as files (source_file, source_file_size, source_file_modified)') }}
{% endmacro %}
{% macro no_event_file_versions() %}
    {{ return('select cast(null as ' ~ assetrec.text_type() ~ ') as source_file, cast(null as bigint) as source_file_size,'
        ~ ' cast(null as ' ~ assetrec.instant_type() ~ ') as source_file_modified where false') }}
{% endmacro %}

{#
  The rows the build (re)loads, as a condition on source_file: `true` on a full build (every file), the
  files from the first new or changed one on (an incremental build), or `false` when nothing changed.
  The model's select and its pre-hook's delete each read it at compile time, both before the delete runs,
  so they agree.
#}
{% macro events_reload_condition(base) %}
    {%- if not execute or not is_incremental() or assetrec.events_path() is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set files = "(" ~ assetrec.event_file_versions() ~ ")" -%}
    {%- set loaded = "(select source_file, min(source_file_size) as size, min(source_file_modified) as modified,"
        ~ " max(source_file_size) <> min(source_file_size) or max(source_file_modified) <> min(source_file_modified)"
        ~ " or bool_or(reject_reason = 'event_timestamp_in_future') as must_reload"
        ~ " from " ~ this ~ " group by source_file)" -%}
    {%- set reloads = run_query(
        "select loaded.source_file from " ~ loaded ~ " as loaded left join " ~ files ~ " as files using (source_file)"
        ~ " where files.source_file is null or loaded.must_reload or loaded.size <> files.source_file_size"
        ~ " or loaded.modified <> files.source_file_modified").columns[0].values() | list -%}
    {%- set new_files = run_query("select source_file from " ~ files ~ " as files anti join " ~ loaded
        ~ " as loaded using (source_file)").columns[0].values() | list -%}
    {#- Listed as literals, so DuckDB reads only these files of the base view's union. -#}
    {%- if new_files -%}
        {%- set literals = [] -%}
        {%- for file in new_files -%}
            {%- do literals.append(assetrec.sql_string(file)) -%}
        {%- endfor -%}
        {%- do reloads.extend(run_query("select distinct source_file from " ~ base ~ " where source_file in ("
            ~ literals | join(', ') ~ ")").columns[0].values()) -%}
    {%- endif -%}
    {{ return('false' if not reloads else 'source_file >= ' ~ assetrec.sql_string(reloads | min)) }}
{% endmacro %}

{#
  The pre-hook of stg_events__events_validated: check the events it reads (check_events_read; a hook, so a
  unit test of the model skips it), then, on an incremental build, delete the rows it reloads.
#}
{% macro events_reload_delete(base) %}
    {%- if not execute -%}
        {{ return('select 1 as nothing_to_delete') }}
    {%- endif -%}
    {%- set reload = assetrec.events_reload_condition(base) -%}
    {%- do assetrec.check_events_read(base, reload) -%}
    {{ return('delete from ' ~ this ~ ' where ' ~ reload if is_incremental() else 'select 1 as nothing_to_delete') }}
{% endmacro %}

{#
  A condition true for a usable event whose key (event_key) an accepted event of an earlier file, kept by
  this incremental build, already has: the first-seen rule of duplicate events across builds. `false` on a
  full build, where the window over every row applies it.
#}
{% macro events_seen_before(event_key) %}
    {%- if not execute or not is_incremental() -%}
        {{ return('false') }}
    {%- endif -%}
    {{ return(event_key ~ ' in (select ' ~ assetrec.event_key('event_id', 'cookie', 'page_url', 'event_timestamp',
        'event_name') ~ ' from ' ~ this ~ ' where not is_ignored and reject_reason is null)') }}
{% endmacro %}

{#
  What makes two events the same: the same event_id, or, without an id, the same cookie, page, instant and
  name (a GA4 export, without ids, re-delivering an event in a later file).
#}
{% macro event_key(event_id, cookie, page_url, event_timestamp, event_name) -%}
    coalesce(
        'id:' || {{ event_id }},
        concat_ws(chr(0), 'event', {{ cookie }}, {{ page_url }},
            cast({{ assetrec.epoch_microseconds(event_timestamp) }} as {{ assetrec.text_type() }}),
            {{ event_name }})
    )
{%- endmacro %}
