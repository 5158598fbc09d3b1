{# The columns of trimmed_raw_rows that a validated model passes on as they are: origin and raw values. #}
{% macro raw_row_columns(columns) -%}
    source_file,
    source_row_number
    {%- for column in columns %},
    raw_{{ column }}
    {%- endfor %}
{%- endmacro %}
