-- Every raw event row, cleaned and typed, with whether it is a submission event (ignored otherwise) and the
-- first rule it breaks (null when it is usable). A table, so the files are read once.
{{ config(materialized='table') }}
{%- set raw_columns = assetrec.event_canonical_columns() %}

with trimmed as (
    {{ assetrec.trimmed_raw_rows(ref('base_events__events'), raw_columns) }}
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

-- A repeat of an earlier usable event: the same event_id, or, without an id, the same cookie, page, instant
-- and name (a GA4 export, without ids, re-delivering an event in a later file).
deduplicated as (
    select
        *,
        {{ assetrec.reject_reason_with_repeats(
            'row_reject_reason',
            ['is_ignored', 'event_key'],
            'duplicate_event_id',
            order_by='source_file, source_row_number'
        ) }} as reject_reason
    from (
        select
            *,
            coalesce(
                'id:' || event_id,
                concat_ws(chr(0), 'event', cookie, page_url, cast(epoch_us(event_timestamp) as varchar), event_name)
            ) as event_key
        from checked
    ) as keyed
)

select
    {{ assetrec.raw_row_columns(raw_columns) }},
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
from deduplicated
