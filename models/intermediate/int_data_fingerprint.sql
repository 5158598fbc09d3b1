-- One row: a content hash of fct_page_interactions (cookie, page_url, event_strength) that does not depend on
-- the order of its rows, and the number of its rows, for model_runs. Computed by the engine (DuckDB or Spark)
-- with functions both have, so the same data gives the same fingerprint on both.
--
-- Each row is written as one text: the cookie's length, ':', the cookie, the page url, '|' and the strength
-- (a strength's text has no '|', so the text names its row unambiguously: ('a', 'bc') is not ('ab', 'c')).
-- The strength is written exactly, as engines render doubles differently: its integer part, '.', then the
-- numerator of its fraction over 2^60 (floor, subtraction and x 2^60 are exact in binary floating point).
-- The first 16 hex digits of the text's md5 are read as an integer (0 to 2^64 - 1) and summed exactly, as a
-- 38-digit decimal: a sum does not depend on the order. The fingerprint is the first 16 hex digits of the
-- md5 of 'rows:sum'.
{%- set text = assetrec.text_type() %}
with interactions as (
    select
        cookie,
        page_url,
        event_strength,
        floor(event_strength) as whole
    from {{ ref('fct_page_interactions') }}
),

rows_hashed as (
    select
        md5(
            cast(length(cookie) as {{ text }}) || ':' || cookie || page_url || '|'
            || cast(cast(whole as bigint) as {{ text }}) || '.'
            || cast(
                cast(floor((event_strength - whole) * cast(1152921504606846976 as double)) as bigint) as {{ text }}
            )
        ) as row_hash
    from interactions
),

summed as (
    select
        count(*) as interactions,
        coalesce(sum(cast({{ assetrec.hex_to_integer('substr(row_hash, 1, 16)') }} as decimal(28, 0))), 0)
            as hash_sum
    from rows_hashed
)

select
    substr(
        md5(cast(interactions as {{ text }}) || ':' || cast(cast(hash_sum as decimal(38, 0)) as {{ text }})), 1, 16
    ) as data_fingerprint,
    cast(interactions as bigint) as interactions
from summed
