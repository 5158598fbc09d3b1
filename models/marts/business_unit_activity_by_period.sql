-- One row per business unit (plus `unmapped`) x month and x quarter (UTC) of the submission events: audience,
-- new audience, submissions, pages and the most-submitted pages. Empty for the aggregated export, which has
-- no event times. A page in two units counts in both.
with events as (
    select
        cookie,
        page_url,
        {{ assetrec.utc_wall_time('event_timestamp') }} as event_time_utc
    from {{ ref('fct_submission_events') }}
),

first_submissions as (
    select
        cookie,
        min(event_time_utc) as first_event_time_utc
    from events
    group by cookie
),

period_types as (
    select 'month' as period_type
    union all
    select 'quarter' as period_type
),

page_units as (
    {{ assetrec.page_units_or_unmapped('events') }}
),

periods as (
    select
        page_units.business_unit,
        period_types.period_type,
        cast(date_trunc(period_types.period_type, events.event_time_utc) as date) as period_start,
        events.cookie,
        events.page_url,
        date_trunc(period_types.period_type, events.event_time_utc)
        = date_trunc(period_types.period_type, first_submissions.first_event_time_utc) as is_first_period
    from events
    inner join page_units
        on events.page_url = page_units.page_url
    inner join first_submissions
        on events.cookie = first_submissions.cookie
    cross join period_types
),

page_counts as (
    select
        business_unit,
        period_type,
        period_start,
        page_url,
        count(*) as submissions
    from periods
    group by business_unit, period_type, period_start, page_url
),

top_pages as (
    select
        business_unit,
        period_type,
        period_start,
        {{ assetrec.top_values_list('page_url', 'submissions', var('top_k') | int) }} as top_pages
    from page_counts
    group by business_unit, period_type, period_start
)

select
    periods.business_unit,
    periods.period_type,
    periods.period_start,
    count(distinct periods.cookie) as cookies,
    count(distinct periods.cookie) filter (where periods.is_first_period) as new_cookies,
    count(*) as submissions,
    count(distinct periods.page_url) as pages,
    any_value(top_pages.top_pages) as top_pages
from periods
inner join top_pages
    on
        periods.business_unit = top_pages.business_unit
        and periods.period_type = top_pages.period_type
        and periods.period_start = top_pages.period_start
group by periods.business_unit, periods.period_type, periods.period_start
