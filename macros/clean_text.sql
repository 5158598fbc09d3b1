{#
  Cleaning rules shared by every input column: surrounding whitespace is trimmed, and an empty value or
  the text `None` (how pandas writes a missing value) counts as missing and becomes null.
#}
{% macro is_missing_text(column) -%}
    ({{ column }} is null or trim({{ column }}) in ('', 'None'))
{%- endmacro %}

{% macro clean_text(column) -%}
    case when not {{ assetrec.is_missing_text(column) }} then trim({{ column }}) end
{%- endmacro %}
