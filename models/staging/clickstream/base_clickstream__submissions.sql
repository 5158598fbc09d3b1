-- Every raw submissions row as text, from the export at var('submissions_path') or the bundled sample.
-- A view, not ephemeral: dbt 1.11 `build` drops the compile error of an ephemeral model whose child has
-- unit tests (the child is just skipped), and the input checks in raw_export_rows must reach the user.
{{ config(materialized=assetrec.raw_export_materialization()) }}

{{ assetrec.raw_export_rows(
    'clickstream', 'submissions',
    path_var='submissions_path', paired_path_var='bu_mapping_path', sample_seed='sample_submissions'
) }}
