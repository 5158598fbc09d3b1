-- Per business unit, the hit rates of the cookies that submitted one of its pages, for quarterly reports.
-- A cookie active in two units counts in both. hit_rate_bucket_i counts cookies with hit rate in
-- [i/10, (i+1)/10), bucket 9 including 1.0.
with cookie_units as (
    select * from {{ ref('int_cookie_business_units') }}
),

rates as (
    select * from {{ ref('cookie_hit_rates') }}
)

select
    cookie_units.business_unit,
    count(*) as cookies,
    avg(rates.hit_rate) as mean_hit_rate,
    avg(rates.top_hit_rate) as mean_top_hit_rate,
    avg(rates.cumulative_hit_rate) as mean_cumulative_hit_rate,
    {% for bucket in range(10) -%}
        count(*) filter (
            where least(floor(rates.hit_rate * 10 + 1e-9), 9) = {{ bucket }}
        ) as hit_rate_bucket_{{ bucket }}{{ ',' if not loop.last }}
    {% endfor %}
from cookie_units
inner join rates on cookie_units.cookie = rates.cookie
group by cookie_units.business_unit
