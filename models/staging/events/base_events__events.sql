-- Every raw event row as text, from the file(s) at var('events_path') (one file or a glob of daily files),
-- read through the preset of var('event_format'); no rows when the aggregated export or the sample is the
-- input. A view (a table on Spark), like base_clickstream__submissions, so the compile-time checks reach the user.
{{ config(materialized=assetrec.raw_export_materialization()) }}

{{ assetrec.events_rows('events', 'events') }}
