-- Ranks run 1..n without gaps per cookie, and scores never increase with rank.
with ordered as (
    select
        cookie,
        rank,
        score,
        row_number() over (partition by cookie order by rank) as expected_rank,
        lag(score) over (partition by cookie order by rank) as previous_score
    from {{ ref('recommendations') }}
)

select *
from ordered
where rank <> expected_rank or score > previous_score
