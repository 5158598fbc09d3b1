{#
  True when a trimmed text (see trim_whitespace) counts as missing: null, empty, or the text `None` (how
  pandas writes a missing value).
#}
{% macro is_missing_text(trimmed) -%}
    ({{ trimmed }} is null or {{ trimmed }} in ('', 'None'))
{%- endmacro %}
