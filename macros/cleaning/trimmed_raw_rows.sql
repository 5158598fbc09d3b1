{#
  Every row of a raw export model (base_clickstream__*): where it came from (source_file,
  source_row_number), and each of `columns` twice: as read (raw_<column>, what the quarantine shows) and
  trimmed once (<column>_text, what the cleaning rules work on; trimming is the costly step).
#}
{% macro trimmed_raw_rows(relation, columns) %}
    select
        source_file,
        source_row_number,
        {%- for column in columns %}
        {{ column }} as raw_{{ column }},
        {{ assetrec.trim_whitespace(column) }} as {{ column }}_text{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{% endmacro %}
