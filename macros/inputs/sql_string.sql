{# A SQL string literal holding `text`. #}
{% macro sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}
