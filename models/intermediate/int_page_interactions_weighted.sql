-- Each clean (cookie, page_url) interaction with its asset-type weight and event_strength, from the
-- aggregated export (stg_clickstream__submissions) or the events (int_event_page_interactions): one of the
-- two is empty. event_strength = asset_weight x submission_weight, where submission_weight is
-- form_submissions for the aggregated export and the sum of the events' decay weights for events
-- (form_submissions without decay).
-- An asset type missing from the asset_type_weights seed gets var('default_asset_weight').
with submissions as (
    select
        cookie,
        page_url,
        gated_asset_type,
        form_submissions,
        cast(form_submissions as double) as submission_weight,
        cast(null as {{ assetrec.instant_type() }}) as first_submitted_at,
        cast(null as {{ assetrec.instant_type() }}) as last_submitted_at
    from {{ ref('stg_clickstream__submissions') }}
    union all
    select
        cookie,
        page_url,
        gated_asset_type,
        form_submissions,
        submission_weight,
        first_submitted_at,
        last_submitted_at
    from {{ ref('int_event_page_interactions') }}
),

weights as (
    select * from {{ ref('asset_type_weights') }}
)

select
    submissions.cookie,
    submissions.page_url,
    submissions.gated_asset_type,
    submissions.form_submissions,
    submissions.first_submitted_at,
    submissions.last_submitted_at,
    weights.weight is not null as has_listed_weight,
    coalesce(weights.weight, {{ var('default_asset_weight') }}) as asset_weight,
    coalesce(weights.weight, {{ var('default_asset_weight') }}) * submissions.submission_weight as event_strength
from submissions
left join weights
    on submissions.gated_asset_type = weights.gated_asset_type
