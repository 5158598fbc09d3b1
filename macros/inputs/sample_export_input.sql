{#
  The bundled sample seed standing in for a raw export, in raw_export_input's shape: its file (as in the
  seed's path), the seed's relation, and its columns read by name (every one is text, see seeds/_seeds.yml).
#}
{% macro sample_export_input(sample_seed, columns) %}
    {{ return(adapter.dispatch('sample_export_input', 'assetrec')(sample_seed, columns)) }}
{% endmacro %}

{% macro default__sample_export_input(sample_seed, columns) %}
    {%- set relation = ref(sample_seed) -%}
    {%- set file = '' -%}
    {%- if execute -%}
        {%- set file = graph.nodes['seed.' ~ project_name ~ '.' ~ sample_seed].original_file_path -%}
    {%- endif -%}
    {%- set expressions = {} -%}
    {%- for column in columns -%}
        {%- do expressions.update({column: column}) -%}
    {%- endfor -%}
    {{ return({'file': file, 'reader': relation, 'columns': expressions}) }}
{% endmacro %}
