-- Every raw submissions row, cleaned, with the first rule it breaks (null when it is usable).
-- A table, so the export is read once for both the clean rows and the quarantine.
{{ config(materialized='table') }}

with raw as (
    select * from {{ ref('base_clickstream__submissions') }}
),

-- Each raw text trimmed once (trimming is the costly step); the rules below work on the trimmed text.
trimmed as (
    select
        source_file,
        source_row_number,
        cookie as raw_cookie,
        gated_asset_type as raw_gated_asset_type,
        page_url as raw_page_url,
        form_submissions as raw_form_submissions,
        {{ assetrec.trim_whitespace('cookie') }} as cookie_text,
        {{ assetrec.trim_whitespace('gated_asset_type') }} as gated_asset_type_text,
        {{ assetrec.trim_whitespace('page_url') }} as page_url_text,
        {{ assetrec.trim_whitespace('form_submissions') }} as form_submissions_text
    from raw
),

checked as (
    select
        source_file,
        source_row_number,
        raw_cookie,
        raw_gated_asset_type,
        raw_page_url,
        raw_form_submissions,
        {{ assetrec.clean_text('cookie_text') }} as cookie,
        {{ assetrec.clean_text('page_url_text') }} as page_url,
        coalesce({{ assetrec.clean_text('gated_asset_type_text') }}, 'None') as gated_asset_type,
        {{ assetrec.form_submissions_value('form_submissions_text') }} as form_submissions,
        case
            when {{ assetrec.is_missing_text('cookie_text') }} then 'missing_cookie'
            when {{ assetrec.is_missing_text('page_url_text') }} then 'missing_page_url'
            else {{ assetrec.form_submissions_reject_reason('form_submissions_text') }}
        end as row_reject_reason
    from trimmed
),

-- Only usable rows compete for "first": a bad row never hides a later good one.
ranked as (
    select
        *,
        case
            when row_reject_reason is null
                then row_number() over (
                    partition by row_reject_reason is null, cookie, page_url
                    order by source_row_number
                )
        end as occurrence
    from checked
)

select
    source_file,
    source_row_number,
    raw_cookie,
    raw_gated_asset_type,
    raw_page_url,
    raw_form_submissions,
    cookie,
    page_url,
    gated_asset_type,
    form_submissions,
    coalesce(
        row_reject_reason,
        case when occurrence > 1 then 'duplicate_cookie_page' end
    ) as reject_reason
from ranked
