{# The count itself (from the trimmed text), for rows whose form_submissions_reject_reason is null. #}
{% macro form_submissions_value(trimmed) -%}
    {{ assetrec.safe_cast("split_part(" ~ trimmed ~ ", '.', 1)", 'bigint') }}
{%- endmacro %}
