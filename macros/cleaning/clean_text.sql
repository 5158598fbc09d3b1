{# A trimmed text (see trim_whitespace), or null when it counts as missing (is_missing_text). #}
{% macro clean_text(trimmed) -%}
    case when not {{ assetrec.is_missing_text(trimmed) }} then {{ trimmed }} end
{%- endmacro %}
