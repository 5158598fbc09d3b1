-- One row per accepted form-submission event. Incremental on event time: a daily build reloads only the
-- events from (the latest event already loaded - var('late_event_days')) on, deleting that window first
-- (the pre-hook), so events re-delivered late are replaced, never doubled; `--full-refresh` reloads all.
-- Empty when the aggregated export (or the sample) is the input. (On Spark a table, rebuilt each time: see
-- events_materialization.)
{{ config(
    materialized=assetrec.events_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ assetrec.events_window_delete() }}"
) }}
{%- set window_start = assetrec.events_window_start() %}

select
    cookie,
    page_url,
    event_timestamp,
    event_name,
    gated_asset_type,
    source_file
from {{ ref('stg_events__events') }}
{%- if window_start is not none %}
    where event_timestamp >= {{ window_start }}
{%- endif %}
