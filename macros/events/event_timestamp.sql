{#
  The instant (TIMESTAMPTZ) of a trimmed event_timestamp text, or null when it cannot be read:
    - a whole number: an epoch in event_timestamp_unit() (s, ms or us since 1970-01-01 UTC), null when it
      is beyond the year 294,000 or no unit is set (base_events__events stops the build then);
    - ISO-8601 text ending with an offset (`Z`, `UTC`, `+02:00`, `-0500`, `+05`): that instant;
    - ISO-8601 text without an offset (also what a Parquet TIMESTAMP column reads as): taken as UTC.
  A Parquet TIMESTAMPTZ column reads as text with its offset, so it keeps its instant.
#}
{% macro event_timestamp_value(trimmed) -%}
    {%- set factors = {'s': 1000000, 'ms': 1000, 'us': 1} -%}
    {%- set unit = assetrec.event_timestamp_unit() -%}
    case
        when {{ assetrec.is_integer_text(trimmed) }} then
            {%- if unit is none %} null
            {%- else %} timezone('UTC', make_timestamp(cast(case
                when try_cast({{ trimmed }} as hugeint) * {{ factors[unit] }}
                    between {{ assetrec.min_epoch_micros() }} and {{ assetrec.max_epoch_micros() }}
                    then try_cast({{ trimmed }} as hugeint) * {{ factors[unit] }}
            end as bigint)))
            {%- endif %}
        when {{ assetrec.regex_full_match(trimmed,
            '.*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *([zZ]|UTC|[+-][0-9]{2}(:?[0-9]{2})?)') }}
            then try_cast({{ trimmed }} as timestamptz)
        else timezone('UTC', try_cast({{ trimmed }} as timestamp))
    end
{%- endmacro %}

{# The range of epoch microseconds read as timestamps: year 1 to about year 287,000. #}
{% macro min_epoch_micros() -%}
    -62135596800000000
{%- endmacro %}
{% macro max_epoch_micros() -%}
    9000000000000000000
{%- endmacro %}

{# Events before this instant are rejected (event_timestamp_too_early): epoch seconds read as milliseconds land in 1970. #}
{% macro min_event_timestamp() -%}
    timestamptz '2000-01-01 00:00:00+00'
{%- endmacro %}

{#
  Why an event_timestamp cannot be used, or null: missing_event_timestamp (empty or `None`),
  event_timestamp_in_future (an epoch beyond the readable range, or later than the build's start plus
  var('max_clock_skew_hours')), event_timestamp_unparsable (not a timestamp), event_timestamp_too_early
  (before min_event_timestamp()). `value` is event_timestamp_value of the same text.
#}
{% macro event_timestamp_reject_reason(trimmed, value) -%}
    case
        when {{ assetrec.is_missing_text(trimmed) }} then 'missing_event_timestamp'
        when {{ assetrec.is_integer_text(trimmed) }} and {{ value }} is null and not starts_with({{ trimmed }}, '-')
            then 'event_timestamp_in_future'
        when {{ value }} is null then 'event_timestamp_unparsable'
        when epoch({{ value }}) > epoch({{ assetrec.build_started_at() }})
            + 3600 * cast({{ var('max_clock_skew_hours') }} as double)
            then 'event_timestamp_in_future'
        when {{ value }} < {{ assetrec.min_event_timestamp() }} then 'event_timestamp_too_early'
    end
{%- endmacro %}

{# The build's clock: run_started_at (UTC) as a TIMESTAMPTZ literal. #}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}+00' as timestamptz)
{%- endmacro %}
