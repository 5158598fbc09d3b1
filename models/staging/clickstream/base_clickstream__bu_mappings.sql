-- Every raw page-to-business-unit row as text, from var('bu_mapping_path') or the bundled sample.
-- A view, not ephemeral: dbt 1.11 `build` drops the compile error of an ephemeral model whose child has
-- unit tests (the child is just skipped), and the input checks in read_raw_export must reach the user.
{{ config(materialized='view') }}
{%- set columns = ['business_unit', 'page_url'] -%}
{%- set path = assetrec.raw_export_path('bu_mapping_path', 'submissions_path') -%}

{% if path is not none %}
    select
        {{ assetrec.sql_string(path) }} as source_file,
        raw.*
    from {{ assetrec.read_raw_export(path, 'bu_mapping_path', columns) }} as raw
{% else %}
    select
        'seeds/sample/sample_bu_mapping.csv' as source_file,
        business_unit,
        page_url,
        row_number() over () as source_row_number
    from {{ ref('sample_bu_mapping') }}
{% endif %}
