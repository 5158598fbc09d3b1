{#
  A row's reject reason: `row_reject_reason` (the first rule it breaks, null when usable), or
  `repeat_reason` for a usable row whose `keys` an earlier usable row (by source_row_number) already has.
  Only usable rows compete for "first": a bad row never hides a later good one. `order_by` says which row
  is first when rows come from several files (e.g. source_file, source_row_number).
#}
{% macro reject_reason_with_repeats(row_reject_reason, keys, repeat_reason, order_by='source_row_number') -%}
    coalesce(
        {{ row_reject_reason }},
        case
            when {{ row_reject_reason }} is null and row_number() over (
                partition by {{ row_reject_reason }} is null, {{ keys | join(', ') }}
                order by {{ order_by }}
            ) > 1
                then '{{ repeat_reason }}'
        end
    )
{%- endmacro %}
