-- Every raw page-to-business-unit row as text, from var('bu_mapping_path') or the bundled sample.
{{ config(materialized='ephemeral') }}
{%- set columns = ['business_unit', 'page_url'] -%}
{%- set path = var('bu_mapping_path') -%}

{% if path %}
    select
        '{{ path | replace("'", "''") }}' as source_file,
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
