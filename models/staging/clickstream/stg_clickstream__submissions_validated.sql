-- Every raw submissions row, cleaned, with the first rule it breaks (null when it is usable).
-- A table, so the export is read once for both the clean rows and the quarantine.
{{ config(materialized='table') }}
{%- set raw_columns = ['cookie', 'gated_asset_type', 'page_url', 'form_submissions'] %}

with trimmed as (
    {{ assetrec.trimmed_raw_rows(ref('base_clickstream__submissions'), raw_columns) }}
),

checked as (
    select
        *,
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
)

select
    {{ assetrec.raw_row_columns(raw_columns) }},
    cookie,
    page_url,
    gated_asset_type,
    form_submissions,
    {{ assetrec.reject_reason_with_repeats(
        'row_reject_reason', ['cookie', 'page_url'], 'duplicate_cookie_page'
    ) }} as reject_reason
from checked
