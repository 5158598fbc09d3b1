{#
  A whole-number var (an integer, or text of digits as vars passed through YAML strings arrive) that must
  be >= minimum; with allow_none, null (or the text none/null) is accepted and returned as none. Checked at
  compile time: a wrong value stops the build naming the var, instead of a SQL error or an empty table.
#}
{% macro cooccurrence_int_var(name, default, minimum=1, allow_none=false) %}
    {%- set raw = var(name, default) -%}
    {%- set text = raw | string | trim | lower -%}
    {%- set expected = "a whole number >= " ~ minimum ~ (" or null" if allow_none else "") -%}
    {%- if raw is none or (raw is string and text in ('', 'none', 'null')) -%}
        {%- if allow_none -%}
            {{ return(none) }}
        {%- endif -%}
        {{ exceptions.raise_compiler_error("var('" ~ name ~ "') must be " ~ expected ~ ", got null.") }}
    {%- endif -%}
    {%- if raw is sameas true or raw is sameas false
        or not (raw is integer or (raw is string and text.isdigit())) -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') must be " ~ expected ~ ", got " ~ raw | string | tojson ~ ".") }}
    {%- endif -%}
    {%- set value = text | int -%}
    {%- if value < minimum -%}
        {{ exceptions.raise_compiler_error(
            "var('" ~ name ~ "') must be " ~ expected ~ ", got " ~ value ~ ".") }}
    {%- endif -%}
    {{ return(value) }}
{% endmacro %}
