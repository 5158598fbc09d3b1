{# Cast that yields null instead of failing. #}
{% macro safe_cast(expression, type) %}
    {{ return(adapter.dispatch('safe_cast', 'assetrec')(expression, type)) }}
{% endmacro %}
{% macro default__safe_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
{#-
  Spark, as DuckDB reads text: underscores between digits are allowed (`1_000`); doubles never take Java's `5d` /
  `5f` suffixes; bigints also read exponents (`1e3`, rounded half away from zero) and hexadecimal (`0x10`).
-#}
{% macro spark__safe_cast(expression, type) -%}
    {%- set text = "regexp_replace(" ~ expression ~ ", '(?<=[0-9])_(?=[0-9])', '')" -%}
    {%- if type | lower == 'double' -%}
        case when not ({{ expression }} rlike '[0-9.][dDfF]$') then try_cast({{ text }} as double) end
    {%- elif type | lower == 'bigint' -%}
        coalesce(
            try_cast({{ text }} as bigint),
            case
                when {{ text }} rlike '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)[eE][+-]?[0-9]+$'
                    then try_cast(round(try_cast({{ text }} as double)) as bigint)
                when {{ text }} rlike '^0[xX][0-9a-fA-F]{1,15}$' then try_cast(conv(substr({{ text }}, 3), 16, 10) as bigint)
            end
        )
    {%- else -%}
        try_cast({{ expression }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
