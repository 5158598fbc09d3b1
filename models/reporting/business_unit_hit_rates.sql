-- Per business unit, the hit rates of the cookies that submitted one of its pages, for quarterly reports.
-- A cookie active in two units counts in both. hit_rate_bucket_i counts cookies with hit rate in
-- [i/10, (i+1)/10), bucket 9 including 1.0.
with cookie_units as (
    select * from {{ ref('int_cookie_business_units') }}
),

rates as (
    select
        *,
        -- The small epsilon keeps 0.3 (stored as 0.2999...) in bucket 3.
        least(floor(hit_rate * 10 + 1e-9), 9) as bucket
    from {{ ref('cookie_hit_rates') }}
)

select
    cookie_units.business_unit,
    count(*) as cookies,
    avg(rates.hit_rate) as mean_hit_rate,
    avg(rates.top_hit_rate) as mean_top_hit_rate,
    avg(rates.cumulative_hit_rate) as mean_cumulative_hit_rate,
    count(*) filter (where rates.bucket = 0) as hit_rate_bucket_0,
    count(*) filter (where rates.bucket = 1) as hit_rate_bucket_1,
    count(*) filter (where rates.bucket = 2) as hit_rate_bucket_2,
    count(*) filter (where rates.bucket = 3) as hit_rate_bucket_3,
    count(*) filter (where rates.bucket = 4) as hit_rate_bucket_4,
    count(*) filter (where rates.bucket = 5) as hit_rate_bucket_5,
    count(*) filter (where rates.bucket = 6) as hit_rate_bucket_6,
    count(*) filter (where rates.bucket = 7) as hit_rate_bucket_7,
    count(*) filter (where rates.bucket = 8) as hit_rate_bucket_8,
    count(*) filter (where rates.bucket = 9) as hit_rate_bucket_9
from cookie_units
inner join rates on cookie_units.cookie = rates.cookie
group by cookie_units.business_unit
