-- What to offer a visitor without submissions: the top var('top_k') pages overall, per business unit and
-- per asset type, by distinct cookies (then submissions, then page id), one row per segment x rank.
-- With var('candidate_pages') = 'mapped', only pages with a business unit, as in recommendations.
{%- set top_k = var('top_k') | int %}

with candidates as (
    select
        page_url,
        gated_asset_type,
        business_units,
        cookies,
        form_submissions
    from {{ ref('dim_pages') }}
    {%- if var('candidate_pages') == 'mapped' %}
        where {{ assetrec.list_length('business_units') }} > 0
    {%- endif %}
),

segments as (
    select
        'overall' as segment_type,
        'all' as segment,
        page_url,
        cookies,
        form_submissions
    from candidates
    union all
    select
        'business_unit' as segment_type,
        bridge.business_unit as segment,
        candidates.page_url,
        candidates.cookies,
        candidates.form_submissions
    from candidates
    inner join {{ ref('bridge_page_business_units') }} as bridge
        on candidates.page_url = bridge.page_url
    union all
    select
        'asset_type' as segment_type,
        gated_asset_type as segment,
        page_url,
        cookies,
        form_submissions
    from candidates
),

ranked as (
    select
        segment_type,
        segment,
        page_url,
        cookies,
        form_submissions,
        row_number() over (
            partition by segment_type, segment order by cookies desc, form_submissions desc, page_url asc
        ) as rank
    from segments
)

select
    segment_type,
    segment,
    cast(rank as bigint) as rank,
    page_url,
    cookies,
    form_submissions
from ranked
where rank <= {{ top_k }}
