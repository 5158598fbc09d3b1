{#
  The path in var `var_name`, or none when neither it nor `paired_var_name` is set (the bundled sample is
  used then). Setting only one of the two vars, or setting one to an empty text, stops the build: mixing a
  real export with the sample mapping (or the reverse) would build without an error and mean nothing.
#}
{% macro raw_export_path(var_name, paired_var_name) %}
    {%- set path = var(var_name) -%}
    {%- set paired_path = var(paired_var_name) -%}
    {%- if path is none and paired_path is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if execute -%}
        {%- if path is none -%}
            {{ exceptions.raise_compiler_error(
                "Var " ~ var_name ~ " is not set, but var " ~ paired_var_name ~ " is. "
                ~ "Set both submissions_path and bu_mapping_path to read your own exports, "
                ~ "or neither to use the bundled sample.") }}
        {%- endif -%}
        {%- if path | string | trim == '' -%}
            {{ exceptions.raise_compiler_error(
                "Var " ~ var_name ~ " is empty: give the path of the export file (CSV or Parquet), "
                ~ "or unset both submissions_path and bu_mapping_path to use the bundled sample.") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(path | string if path is not none else '') }}
{% endmacro %}
