-- The submission events folded to the aggregated export's grain: one row per (cookie, page_url) with the
-- number of events, the sum of their decay weights (var('half_life_days'); 1 each without decay), the first
-- and last submission, and the page's most frequent asset type (ties: a named type before `None`, then by
-- name).
with events as (
    select * from {{ ref('fct_submission_events') }}
),

latest_event as (
    select max(event_timestamp) as latest
    from events
),

-- One row: var('as_of'), or the latest accepted event.
reference as (
    select {{ assetrec.events_as_of('latest') }} as as_of
    from latest_event
),

page_types as (
    select
        page_url,
        gated_asset_type,
        row_number() over (
            partition by page_url
            order by count(*) desc, gated_asset_type = 'None', gated_asset_type
        ) as type_rank
    from events
    group by page_url, gated_asset_type
)

select
    events.cookie,
    events.page_url,
    page_types.gated_asset_type,
    count(*) as form_submissions,
    sum({{ assetrec.event_decay_weight('events.event_timestamp', 'reference.as_of') }}) as submission_weight,
    min(events.event_timestamp) as first_submitted_at,
    max(events.event_timestamp) as last_submitted_at
from events
cross join reference
inner join page_types
    on events.page_url = page_types.page_url and page_types.type_rank = 1
group by events.cookie, events.page_url, page_types.gated_asset_type
