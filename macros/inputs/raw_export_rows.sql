{#
  Every row of a raw export declared as a source (models/staging/clickstream/_clickstream__sources.yml), as
  text: source_file, the source's columns in their declared order, and source_row_number (the record's
  position among the data records, in file order: 1 = the first record after the header; a record whose
  quoted value spans several lines counts once). It reads the file at var(path_var), checked first
  (raw_export_input), or the sample seed when neither path var is set (raw_export_path). With the
  event-level input (var events_path) the submissions export has no rows, and the mapping is read from
  bu_mapping_path when it is set, else has no rows (every page `unmapped`).

  source() only puts the export in the lineage graph: the relation it returns is never read, because where
  the export is depends on vars and it must be checked before anything reads it.
#}
{% macro raw_export_rows(source_name, table_name, path_var, paired_path_var, sample_seed) %}
    {%- do source(source_name, table_name) -%}
    {%- set columns = assetrec.raw_export_columns(source_name, table_name) -%}
    {%- if assetrec.events_path() is not none -%}
        {#- Event-level input (events_path): no aggregated submissions; the mapping only from its own var. -#}
        {%- set path = var(path_var) if path_var == 'bu_mapping_path' else none -%}
        {%- if path is none -%}
            {%- set input = assetrec.no_export_input(columns) -%}
        {%- else -%}
            {%- set input = assetrec.raw_export_input(path | string, path_var, columns) -%}
        {%- endif -%}
    {%- else -%}
        {%- set path = assetrec.raw_export_path(path_var, paired_path_var) -%}
        {%- if path is none -%}
            {%- set input = assetrec.sample_export_input(sample_seed, columns) -%}
        {%- else -%}
            {%- set input = assetrec.raw_export_input(path, path_var, columns) -%}
        {%- endif -%}
    {%- endif %}
    select
        {{ assetrec.sql_string(input.file) }} as source_file,
        {%- for column in columns %}
        cast({{ input.columns[column] }} as {{ assetrec.text_type() }}) as {{ column }},
        {%- endfor %}
        {{ assetrec.file_row_number() }} as source_row_number
    from {{ input.reader }}
{% endmacro %}
