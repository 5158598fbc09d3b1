-- This build's identity and settings, for the Python models. SQL is rendered when it runs, so these are
-- always the current build's values (a Python model's config is rendered at parse time and reused by
-- partial parsing). `vars_json` holds every dbt var as JSON, parsed by assetrec.settings.Settings; a test
-- keeps this list of vars equal to dbt_project.yml's.
{%- set var_names = [
    'submissions_path', 'bu_mapping_path', 'events_path', 'event_format', 'event_columns', 'submission_events',
    'event_timestamp_unit', 'max_clock_skew_hours', 'late_event_days', 'half_life_days', 'as_of',
    'default_asset_weight', 'top_k', 'min_cooccurrence',
    'cooccurrence_measure', 'max_pages_per_cookie', 'cooccurrence_neighbours', 'als_factors', 'als_regularization', 'als_alpha',
    'als_iterations', 'als_seed', 'ease_l2', 'candidate_pages', 'recommender', 'eval_seed',
    'max_eval_users', 'eval_max_cookies', 'ease_max_pages', 'tuning_budget_seconds'] -%}
{%- set settings = {} -%}
{%- for name in var_names -%}
    {%- do settings.update({name: var(name)}) -%}
{%- endfor %}

select
    '{{ invocation_id }}' as run_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as started_at,
    {{ assetrec.sql_string(tojson(settings)) }} as vars_json
