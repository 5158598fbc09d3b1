-- Every raw submissions row as text, from the export at var('submissions_path') or the bundled sample.
-- A view, not ephemeral: dbt 1.11 `build` drops the compile error of an ephemeral model whose child has
-- unit tests (the child is just skipped), and the input checks in read_raw_export must reach the user.
{{ config(materialized='view') }}
{%- set columns = ['cookie', 'gated_asset_type', 'page_url', 'form_submissions'] -%}
{%- set path = assetrec.raw_export_path('submissions_path', 'bu_mapping_path') -%}

{% if path is not none %}
    select
        {{ assetrec.sql_string(path) }} as source_file,
        raw.*
    from {{ assetrec.read_raw_export(path, 'submissions_path', columns) }} as raw
{% else %}
    select
        'seeds/sample/sample_submissions.csv' as source_file,
        cookie,
        gated_asset_type,
        page_url,
        form_submissions,
        row_number() over () as source_row_number
    from {{ ref('sample_submissions') }}
{% endif %}
