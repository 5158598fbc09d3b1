-- The events that are not form submissions (var('submission_events')), counted per event name: left out of
-- the interactions, never silently dropped.
{{ config(materialized='table') }}

select
    event_name,
    count(*) as events,
    count(distinct cookie) as cookies,
    count(distinct source_file) as source_files
from {{ ref('stg_events__events_validated') }}
where is_ignored
group by event_name
