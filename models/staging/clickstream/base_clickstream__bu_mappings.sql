-- Every raw page-to-business-unit row as text, from var('bu_mapping_path') or the bundled sample; read and
-- checked like base_clickstream__submissions.
{{ config(materialized=assetrec.raw_export_materialization()) }}

{{ assetrec.raw_export_rows(
    'clickstream', 'bu_mapping',
    path_var='bu_mapping_path', paired_path_var='submissions_path', sample_seed='sample_bu_mapping'
) }}
