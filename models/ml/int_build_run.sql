-- This build's identity, for the Python models. SQL is rendered when it runs, so these are always the
-- current build's values (a Python model's config is rendered at parse time and reused by partial parsing).
select
    '{{ invocation_id }}' as run_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as started_at
