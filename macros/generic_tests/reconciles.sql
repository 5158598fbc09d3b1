{#
  Fails when `model` (a raw input) does not have as many rows as its `parts` together (what it became,
  kept and quarantined): nothing silently dropped or invented. `counts` (optional, one per part) says how
  a part counts raw rows when it is not one row per raw row, e.g. 'sum(events)' for a summary table;
  the default is count(*).
#}
{% test reconciles(model, parts, counts=none) %}
with counts as (
    select
        (select count(*) from {{ model }}) as input_rows,
        {%- for part in parts %}
        (select coalesce({{ counts[loop.index0] if counts else 'count(*)' }}, 0) from {{ part }})
            as part_{{ loop.index }}_rows{{ ',' if not loop.last }}
        {%- endfor %}
)

select *
from counts
where input_rows <> {% for part in parts %}part_{{ loop.index }}_rows{{ ' + ' if not loop.last }}{% endfor %}
{% endtest %}
