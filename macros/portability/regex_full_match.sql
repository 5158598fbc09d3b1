{# True when the whole of `expression` matches the regular expression `pattern`. #}
{% macro regex_full_match(expression, pattern) %}
    {{ return(adapter.dispatch('regex_full_match', 'assetrec')(expression, pattern)) }}
{% endmacro %}
{% macro default__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{#- Spark reads backslash escapes in string literals: the pattern's backslashes are doubled. -#}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})$')
{%- endmacro %}
