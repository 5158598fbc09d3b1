{# A SQL string literal holding `text`. #}
{% macro sql_string(text) %}
    {{ return(adapter.dispatch('sql_string', 'assetrec')(text)) }}
{% endmacro %}
{% macro default__sql_string(text) %}
    {{ return("'" ~ text | replace("'", "''") ~ "'") }}
{% endmacro %}
{#- Spark reads backslash escapes in literals, and '' there ends one literal and starts another. -#}
{% macro spark__sql_string(text) %}
    {{ return("'" ~ text | replace("\\", "\\\\") | replace("'", "\\'") ~ "'") }}
{% endmacro %}
