-- Every raw event row, cleaned and typed, with whether it is a submission event (ignored otherwise) and the
-- first rule it breaks (null when it is usable). Incremental by file, so a daily build reads only the new
-- day's file: it deletes and reloads the files from the first new or changed one on (macros/events/
-- events_reload.sql) and keeps the rest; `--full-refresh` reads every file again. (On Spark a table, rebuilt
-- each time: see events_materialization.)
{{ config(
    materialized=assetrec.events_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ assetrec.events_reload_delete(ref('base_events__events')) }}"
) }}
{%- set raw_columns = assetrec.event_canonical_columns() %}
{%- set reload = assetrec.events_reload_condition(ref('base_events__events')) %}

with trimmed as (
    {{ assetrec.trimmed_raw_rows(
        '(select * from ' ~ ref('base_events__events') ~ ' where ' ~ reload ~ ') as base_events', raw_columns
    ) }}
),

typed as (
    select
        *,
        {{ assetrec.clean_text('cookie_text') }} as cookie,
        {{ assetrec.clean_text('page_url_text') }} as page_url,
        {{ assetrec.event_timestamp_value('event_timestamp_text') }} as event_timestamp,
        {{ assetrec.clean_text('event_name_text') }} as event_name,
        coalesce({{ assetrec.clean_text('gated_asset_type_text') }}, 'None') as gated_asset_type,
        {{ assetrec.clean_text('event_id_text') }} as event_id,
        {{ assetrec.is_ignored_event('event_name_text') }} as is_ignored
    from trimmed
),

checked as (
    select
        *,
        case
            when is_ignored then null
            when {{ assetrec.is_missing_text('cookie_text') }} then 'missing_cookie'
            when {{ assetrec.is_missing_text('page_url_text') }} then 'missing_page_url'
            {%- if assetrec.submission_event_names() is not none %}
            when {{ assetrec.is_missing_text('event_name_text') }} then 'missing_event_name'
            {%- endif %}
            else {{ assetrec.event_timestamp_reject_reason('event_timestamp_text', 'event_timestamp') }}
        end as row_reject_reason
    from typed
),

keyed as (
    select
        *,
        {{ assetrec.event_key('event_id', 'cookie', 'page_url', 'event_timestamp', 'event_name') }} as event_key,
        row_reject_reason is null and not is_ignored as is_usable
    from checked
),

-- The first usable event of each key that occurs more than once (file name order, then row order): an
-- aggregate, not a window over every row, so that DuckDB can spill it (a window over 50M rows ran out of a
-- 6 GB limit).
repeated_keys as (
    select
        event_key,
        min({{ assetrec.ordered_pair('source_file', 'source_row_number') }}) as first_row
    from keyed
    where is_usable
    group by event_key
    having count(*) > 1
),

-- A repeat of an earlier usable event (macro event_key): in these files, or in an earlier file kept from an
-- earlier build.
deduplicated as (
    select
        keyed.*,
        case
            when not keyed.is_usable then keyed.row_reject_reason
            when {{ assetrec.events_seen_before('keyed.event_key') }} then 'duplicate_event_id'
            when repeated_keys.first_row <> {{ assetrec.ordered_pair('keyed.source_file', 'keyed.source_row_number') }}
                then 'duplicate_event_id'
        end as reject_reason
    from keyed
    left join repeated_keys on keyed.is_usable and keyed.event_key = repeated_keys.event_key
),

-- Which version of each file the rows come from (what the next incremental build compares).
file_versions as (
    {{ assetrec.event_file_versions() }}
),

versioned as (
    select
        deduplicated.*,
        file_versions.source_file_size,
        file_versions.source_file_modified
    from deduplicated
    left join file_versions on deduplicated.source_file = file_versions.source_file
)

select
    {{ assetrec.raw_row_columns(raw_columns) }},
    source_file_size,
    source_file_modified,
    cookie,
    page_url,
    event_timestamp,
    event_name,
    gated_asset_type,
    event_id,
    is_ignored,
    case
        when is_ignored then null
        when reject_reason = 'duplicate_event_id' and event_id is null then 'duplicate_event'
        else reject_reason
    end as reject_reason
from versioned
