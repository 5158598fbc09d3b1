-- Every raw submissions row as text, from the export at var('submissions_path') or the bundled sample.
{{ config(materialized='ephemeral') }}
{%- set columns = ['cookie', 'gated_asset_type', 'page_url', 'form_submissions'] -%}
{%- set path = var('submissions_path') -%}

{% if path %}
    select
        '{{ path | replace("'", "''") }}' as source_file,
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
