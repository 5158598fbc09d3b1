{#
  The incremental window of fct_submission_events: on an incremental build, the instant from which events
  are reloaded, as a TIMESTAMPTZ literal: the latest event_timestamp already loaded minus
  var('late_event_days') days, read once at compile time (so the delete and the select agree). None on a
  full build, on the first build, or when the table is empty (everything is loaded).
#}
{% macro events_window_start() %}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set start = assetrec.single_value(
        "select strftime(timezone('UTC', max(event_timestamp) - to_days(" ~ var('late_event_days') | int
        ~ ")), '%Y-%m-%d %H:%M:%S.%f+00') from " ~ this) -%}
    {{ return(none if start is none else "cast('" ~ start ~ "' as timestamptz)") }}
{% endmacro %}

{# The pre-hook of fct_submission_events: on an incremental build, delete the window it reloads. #}
{% macro events_window_delete() %}
    {%- if not execute or not is_incremental() -%}
        {{ return('select 1 as nothing_to_delete') }}
    {%- endif -%}
    {%- set start = assetrec.events_window_start() -%}
    {{ return('delete from ' ~ this ~ (' where event_timestamp >= ' ~ start if start is not none else '')) }}
{% endmacro %}

{#
  The weight of an event at `event_timestamp` in event_strength: 1 without decay (var('half_life_days')
  null), else 0.5 ^ ((as_of - event_timestamp) / half_life_days), as Microsoft's SAR decays affinities.
  Events after as_of weigh more than 1.
#}
{% macro event_decay_weight(event_timestamp, as_of) -%}
    {%- set half_life = var('half_life_days') -%}
    {%- if half_life is none -%}
        1.0
    {%- else -%}
        pow(0.5, ({{ assetrec.epoch_seconds(as_of) }} - {{ assetrec.epoch_seconds(event_timestamp) }}) / 86400.0
            / cast({{ half_life }} as double))
    {%- endif -%}
{%- endmacro %}

{#
  The reference time of the decay: var('as_of') read as an event_timestamp (no offset = UTC; an
  unreadable value stops the build), or `latest` (the latest accepted event) when it is null.
#}
{% macro events_as_of(latest) -%}
    {%- set as_of = var('as_of') -%}
    {%- if as_of is none -%}
        {{ latest }}
    {%- else -%}
        {%- set value = assetrec.event_timestamp_value(assetrec.sql_string(as_of | string | trim)) -%}
        {%- if execute and assetrec.single_value('select (' ~ value ~ ') is null') -%}
            {{ exceptions.raise_compiler_error(
                "Var as_of is " ~ as_of ~ ": give a timestamp such as 2024-06-30 or 2024-06-30T12:00:00Z"
                ~ " (no offset = UTC), or unset it to use the latest event.") }}
        {%- endif -%}
        {{ value }}
    {%- endif -%}
{%- endmacro %}
