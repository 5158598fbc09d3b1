{#
  The event-level input's settings, checked: where the events are (events_path), which preset names their
  columns (event_format, event_columns), which events are form submissions (submission_events) and the
  unit of integer timestamps (event_timestamp_unit). Every problem stops the build with a plain message.
#}

{# The canonical event columns, in the order base_events__events gives them. #}
{% macro event_canonical_columns() %}
    {{ return(['cookie', 'page_url', 'event_timestamp', 'event_name', 'gated_asset_type', 'event_id']) }}
{% endmacro %}

{#
  The presets: for each format, the file column of each canonical column, the columns the file must have,
  the default submission event names (none = every row is a submission) and the implied timestamp unit.
#}
{% macro event_format_presets() %}
    {{ return({
        'canonical': {
            'columns': {'cookie': 'cookie', 'page_url': 'page_url', 'event_timestamp': 'event_timestamp',
                        'event_name': 'event_name', 'gated_asset_type': 'gated_asset_type', 'event_id': 'event_id'},
            'required': ['cookie', 'page_url', 'event_timestamp'],
            'submission_events': none, 'timestamp_unit': none},
        'ga4': {
            'columns': {'cookie': 'user_pseudo_id', 'page_url': 'page_location', 'event_timestamp': 'event_timestamp',
                        'event_name': 'event_name', 'gated_asset_type': 'gated_asset_type', 'event_id': 'event_id'},
            'required': ['cookie', 'page_url', 'event_timestamp', 'event_name'],
            'submission_events': ['form_submit', 'generate_lead'], 'timestamp_unit': 'us'},
        'snowplow': {
            'columns': {'cookie': 'domain_userid', 'page_url': 'page_url', 'event_timestamp': 'derived_tstamp',
                        'event_name': 'event_name', 'gated_asset_type': 'gated_asset_type', 'event_id': 'event_id'},
            'required': ['cookie', 'page_url', 'event_timestamp', 'event_name'],
            'submission_events': ['submit_form'], 'timestamp_unit': none},
        'segment': {
            'columns': {'cookie': 'anonymous_id', 'page_url': 'context_page_url', 'event_timestamp': 'timestamp',
                        'event_name': 'event', 'gated_asset_type': 'gated_asset_type', 'event_id': 'id'},
            'required': ['cookie', 'page_url', 'event_timestamp'],
            'submission_events': none, 'timestamp_unit': none},
    }) }}
{% endmacro %}

{# The preset of var('event_format'); an unknown format stops the build. #}
{% macro event_format_preset() %}
    {%- set presets = assetrec.event_format_presets() -%}
    {%- set name = var('event_format') | string | trim | lower -%}
    {%- if name not in presets -%}
        {{ exceptions.raise_compiler_error(
            "Var event_format is " ~ var('event_format') ~ ": use one of " ~ presets.keys() | list | join(', ') ~ ".") }}
    {%- endif -%}
    {{ return(presets[name]) }}
{% endmacro %}

{#
  The path in var('events_path'), or none when it is not set. Setting it together with submissions_path,
  or to an empty text, stops the build.
#}
{% macro events_path() %}
    {%- set path = var('events_path') -%}
    {%- if path is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if path | string | trim == '' -%}
        {{ exceptions.raise_compiler_error(
            "Var events_path is empty: give the path (or glob) of the event files, or unset it.") }}
    {%- endif -%}
    {%- if var('submissions_path') is not none -%}
        {{ exceptions.raise_compiler_error(
            "Vars events_path and submissions_path are both set: the build reads either the event-level export"
            ~ " (events_path) or the aggregated export (submissions_path), not both. Unset one of them.") }}
    {%- endif -%}
    {{ return(path | string) }}
{% endmacro %}

{#
  The columns to read: {canonical column: file column name, lower-cased}, the preset's overridden by
  var('event_columns'), and the canonical columns the files must have: the preset's, event_name when only
  some events are submissions, and every column named in event_columns.
#}
{% macro event_columns_mapping() %}
    {%- set preset = assetrec.event_format_preset() -%}
    {%- set columns = {} -%}
    {%- do columns.update(preset.columns) -%}
    {%- set required = [] -%}
    {%- do required.extend(preset.required) -%}
    {%- set overrides = var('event_columns') -%}
    {%- if overrides is not none -%}
        {%- if overrides is not mapping -%}
            {{ exceptions.raise_compiler_error(
                "Var event_columns must be a mapping from canonical column names to the file's column names,"
                ~ " e.g. {cookie: visitor_id, event_timestamp: ts}; got " ~ overrides ~ ".") }}
        {%- endif -%}
        {%- for name, column in overrides.items() -%}
            {%- if name not in assetrec.event_canonical_columns() -%}
                {{ exceptions.raise_compiler_error(
                    "Var event_columns names " ~ name ~ ", which is not an event column: use "
                    ~ assetrec.event_canonical_columns() | join(', ') ~ ".") }}
            {%- endif -%}
            {%- do columns.update({name: column | string}) -%}
            {%- if name not in required -%}
                {%- do required.append(name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if assetrec.submission_event_names() is not none and 'event_name' not in required -%}
        {%- do required.append('event_name') -%}
    {%- endif -%}
    {%- set lowered = {} -%}
    {%- for name, column in columns.items() -%}
        {%- do lowered.update({name: column | trim | lower}) -%}
    {%- endfor -%}
    {{ return({'columns': lowered, 'required': required}) }}
{% endmacro %}

{# The event names that are form submissions (var('submission_events'), else the format's), or none = every row. #}
{% macro submission_event_names() %}
    {%- set names = var('submission_events') -%}
    {%- if names is none -%}
        {{ return(assetrec.event_format_preset().submission_events) }}
    {%- endif -%}
    {%- if names is string -%}
        {%- set names = [names] -%}
    {%- endif -%}
    {%- if names | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "Var submission_events is an empty list: name the events that are form submissions, or unset it"
            ~ " for the format's default.") }}
    {%- endif -%}
    {{ return(names | map('string') | list) }}
{% endmacro %}

{# The unit of integer epoch timestamps: var('event_timestamp_unit'), else the format's (ga4: us), else none. #}
{% macro event_timestamp_unit() %}
    {%- set unit = var('event_timestamp_unit') -%}
    {%- if unit is none -%}
        {{ return(assetrec.event_format_preset().timestamp_unit) }}
    {%- endif -%}
    {%- if unit not in ['s', 'ms', 'us'] -%}
        {{ exceptions.raise_compiler_error(
            "Var event_timestamp_unit is " ~ unit ~ ": use s, ms or us (seconds, milliseconds or microseconds"
            ~ " since 1970-01-01 UTC).") }}
    {%- endif -%}
    {{ return(unit) }}
{% endmacro %}
