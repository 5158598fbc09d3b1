{#
  `expression` without leading and trailing whitespace: spaces, tabs, line breaks (a quoted value may hold
  them), vertical tab, form feed and no-break spaces (U+00A0). Plain trim() differs between engines
  (DuckDB's keeps tabs and line breaks), so the characters are spelled out. Models trim each raw text once
  (trimming is the costly part) and apply the other cleaning rules to the trimmed text.
#}
{% macro trim_whitespace(expression) %}
    {{ return(adapter.dispatch('trim_whitespace', 'assetrec')(expression)) }}
{% endmacro %}
{% macro default__trim_whitespace(expression) -%}
    trim({{ expression }}, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160))
{%- endmacro %}
{#-
  DuckDB: trim() copies every string it returns (1 s per 5M 38-64 character values here), so it is only
  called when the first or last character is one of the characters above; otherwise the value is returned
  as is (same result, ~4x faster on clean exports).
-#}
{% macro duckdb__trim_whitespace(expression) -%}
    {%- set whitespace = '(9, 10, 11, 12, 13, 32, 160)' -%}
    case
        when ascii({{ expression }}) in {{ whitespace }} or ascii(right({{ expression }}, 1)) in {{ whitespace }}
            then {{ assetrec.default__trim_whitespace(expression) }}
        else {{ expression }}
    end
{%- endmacro %}
{% macro spark__trim_whitespace(expression) -%}
    trim(both concat(' ', chr(9), chr(10), chr(11), chr(12), chr(13), chr(160)) from {{ expression }})
{%- endmacro %}
