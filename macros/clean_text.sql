{#
  Cleaning rules shared by every input column. Models first trim each raw text once with
  trim_whitespace (trimming is the costly part), then apply these to the trimmed text: an empty value or
  the text `None` (how pandas writes a missing value) counts as missing and becomes null.
#}
{% macro is_missing_text(trimmed) -%}
    ({{ trimmed }} is null or {{ trimmed }} in ('', 'None'))
{%- endmacro %}

{% macro clean_text(trimmed) -%}
    case when not {{ assetrec.is_missing_text(trimmed) }} then {{ trimmed }} end
{%- endmacro %}

{#
  `expression` without leading and trailing whitespace: spaces, tabs, line breaks (a quoted value may hold
  them), vertical tab, form feed and no-break spaces (U+00A0). Plain trim() differs between engines
  (DuckDB's keeps tabs and line breaks), so the characters are spelled out.
#}
{% macro trim_whitespace(expression) %}
    {{ return(adapter.dispatch('trim_whitespace', 'assetrec')(expression)) }}
{% endmacro %}
{% macro default__trim_whitespace(expression) -%}
    trim({{ expression }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160))
{%- endmacro %}
{% macro spark__trim_whitespace(expression) -%}
    trim(both concat(' ', chr(9), chr(10), chr(11), chr(12), chr(13), chr(160)) from {{ expression }})
{%- endmacro %}
