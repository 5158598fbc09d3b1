{#-
  For each page, its var('top_k') most similar other pages by var('cooccurrence_measure'), rank 1..K.
  Ties are broken by similar_page_url (ascending), so the table is the same on every build.
  A page that shares no cookie with any other page has no rows; one with fewer than K partners has fewer.
-#}
{%- set measure = assetrec.cooccurrence_measure() -%}
{%- set top_k = assetrec.cooccurrence_int_var('top_k', 10) -%}

with scored as (
    select
        page_a as page_url,
        page_b as similar_page_url,
        cast({{ measure }} as double) as score
    from {{ ref('page_cooccurrence') }}
    -- Only weighted_cosine can be null (a page whose event strengths are all 0): no similarity to rank.
    where {{ measure }} is not null
),

ranked as (
    {{ assetrec.cooccurrence_top_k_partners('scored', top_k) }}
)

select
    page_url,
    cast(similarity_rank as integer) as rank,
    similar_page_url,
    score,
    cast('{{ measure }}' as {{ assetrec.text_type() }}) as measure
from ranked
