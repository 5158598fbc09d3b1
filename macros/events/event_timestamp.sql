{#
  The instant (TIMESTAMPTZ) of a trimmed event_timestamp text, or null when it cannot be read:
    - a whole number: an epoch in event_timestamp_unit() (s, ms or us since 1970-01-01 UTC), null when it
      is beyond the year 294,000 or no unit is set (base_events__events stops the build then);
    - ISO-8601 text ending with an offset (`Z`, `UTC`, `+02:00`, `-0500`, `+05`): that instant;
    - ISO-8601 text ending, after a space, with a region time zone (`America/New_York`, `Etc/GMT+5`): the
      wall-clock time there (daylight saving included); an unknown region gives null;
    - any other word after the time (`EST`, `CET`: abbreviations mean different zones to different readers,
      `CST` is Chicago or Shanghai): null, so it is rejected rather than misread by hours;
    - ISO-8601 text without an offset (also what a Parquet TIMESTAMP column reads as): taken as UTC.
  A Parquet TIMESTAMPTZ column reads as text with its offset, so it keeps its instant.
#}
{% macro event_timestamp_value(trimmed) %}
    {{ return(adapter.dispatch('event_timestamp_value', 'assetrec')(trimmed)) }}
{% endmacro %}

{#- The pattern of ISO-8601 text that ends with an offset (the text before it is read by the engine's cast). -#}
{% macro event_timestamp_offset_pattern() -%}
    .*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *([zZ]|UTC|[+-][0-9]{2}(:?[0-9]{2})?)
{%- endmacro %}
{#- ISO-8601 text that ends, after a space, with a region time zone (Area/City). -#}
{% macro event_timestamp_zone_pattern() -%}
    .*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? +[A-Za-z][A-Za-z_]*(/[A-Za-z0-9_+-]+)+
{%- endmacro %}
{#- Text with a word after its time that is neither an offset nor a region (read as null on both engines). -#}
{% macro event_timestamp_word_pattern() -%}
    .*[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? *[A-Za-z].*
{%- endmacro %}

{% macro default__event_timestamp_value(trimmed) -%}
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
        when {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_offset_pattern()) }}
            or {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_zone_pattern()) }}
            then try_cast({{ trimmed }} as timestamptz)
        when {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_word_pattern()) }} then null
        else timezone('UTC', try_cast({{ trimmed }} as timestamp))
    end
{%- endmacro %}

{#-
  Spark, reading the same texts as DuckDB does (the unit test test_event_timestamp_forms runs on both): an
  offset `UTC`, `+05` or `-0500` is spelled `+00:00`, `+05:00`, `-05:00`, and `hh:mm` gets its `:00` seconds,
  before Spark's cast, which also reads a region after the time (given seconds); text without an offset needs a
  whole date (Spark would read `2024` or `2024-03`) and no `+h` after its time (DuckDB reads neither), and is
  read as a wall-clock time in UTC (timestamp_ntz). Integer epochs multiply without overflow (ANSI mode).
-#}
{% macro spark__event_timestamp_value(trimmed) -%}
    {%- set factors = {'s': 1000000, 'ms': 1000, 'us': 1} -%}
    {%- set unit = assetrec.event_timestamp_unit() -%}
    {%- set offset = '^(.*?) *(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?)$' -%}
    {%- set zone = "regexp_extract(" ~ trimmed ~ ", '" ~ offset ~ "', 2)" -%}
    {%- set local = "regexp_replace(regexp_extract(" ~ trimmed ~ ", '" ~ offset ~ "', 1),"
        ~ " '(?<=[T ][0-9]{1,2}:[0-9]{2})$', ':00')" -%}
    case
        when {{ assetrec.is_integer_text(trimmed) }} then
            {%- if unit is none %} cast(null as timestamp)
            {%- else %} timestamp_micros(case
                when try_multiply(try_cast({{ trimmed }} as bigint), {{ factors[unit] }})
                    between {{ assetrec.min_epoch_micros() }} and {{ assetrec.max_epoch_micros() }}
                    then try_multiply(try_cast({{ trimmed }} as bigint), {{ factors[unit] }})
            end)
            {%- endif %}
        when {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_offset_pattern()) }}
            then try_cast(concat({{ local }}, case
                when {{ zone }} in ('Z', 'UTC') then '+00:00'
                when length({{ zone }}) = 3 then concat({{ zone }}, ':00')
                when length({{ zone }}) = 5 then concat(substr({{ zone }}, 1, 3), ':', substr({{ zone }}, 4, 2))
                else {{ zone }}
            end) as timestamp)
        when {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_zone_pattern()) }}
            then try_cast(regexp_replace({{ trimmed }}, '(?<=[T ][0-9]{1,2}:[0-9]{2})(?= )', ':00') as timestamp)
        when {{ assetrec.regex_full_match(trimmed, assetrec.event_timestamp_word_pattern()) }}
            then cast(null as timestamp)
        when {{ trimmed }} rlike '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([T ]|$)' and not {{ trimmed }} rlike ':[0-9]{2}.*[+-][0-9]{1,2}$'
            then cast(try_cast({{ trimmed }} as timestamp_ntz) as timestamp)
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
    {{ assetrec.instant_literal('2000-01-01 00:00:00+00:00') }}
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
        when {{ assetrec.is_integer_text(trimmed) }} and {{ value }} is null and left({{ trimmed }}, 1) <> '-'
            then 'event_timestamp_in_future'
        when {{ value }} is null then 'event_timestamp_unparsable'
        when {{ assetrec.epoch_seconds(value) }} > {{ assetrec.epoch_seconds(assetrec.build_started_at()) }}
            + 3600 * cast({{ var('max_clock_skew_hours') }} as double)
            then 'event_timestamp_in_future'
        when {{ value }} < {{ assetrec.min_event_timestamp() }} then 'event_timestamp_too_early'
    end
{%- endmacro %}

{# The build's clock: run_started_at (UTC) as a TIMESTAMPTZ literal. #}
{% macro build_started_at() -%}
    {{ assetrec.instant_literal(run_started_at.strftime("%Y-%m-%d %H:%M:%S") ~ '+00:00') }}
{%- endmacro %}
