"""The typed dbt vars (assetrec.settings) and the lists that must stay equal to them and to the registry."""

from __future__ import annotations

from dataclasses import fields

import pytest
import yaml
from assetrec.settings import Settings
from conftest import REPO


def test_settings_are_the_dbt_project_vars_with_their_defaults():
    project_vars = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    assert [f.name for f in fields(Settings)] == list(project_vars)
    for name, default in vars(Settings()).items():
        assert project_vars[name] == default, name


def test_model_params_leave_out_the_sql_only_inputs():
    params = Settings().model_params()
    assert "submissions_path" not in params and "default_asset_weight" not in params
    assert params["als_factors"] == 32 and len(params) == len(fields(Settings)) - 12


def test_settings_parse_dbt_strings_and_json_and_reject_bad_values():
    settings = Settings.from_config(
        {"als_factors": "32", "als_alpha": "2.5", "recommender": "ease", "run_id": "x"}
    )
    assert (settings.als_factors, settings.als_alpha, settings.recommender) == (32, 2.5, "ease")
    assert Settings.from_config({"als_factors": "None"}).als_factors == Settings().als_factors
    parsed = Settings.from_json(
        '{"als_factors": 64, "max_pages_per_cookie": null, "submissions_path": "x.csv"}'
    )
    assert (parsed.als_factors, parsed.max_pages_per_cookie, parsed.submissions_path) == (64, None, "x.csv")
    # An explicit null of a var that may be null is None (no cap), not the default; absent keeps it.
    assert Settings.from_json('{"cooccurrence_neighbours": null}').cooccurrence_neighbours is None
    assert Settings.from_json("{}").max_pages_per_cookie == Settings().max_pages_per_cookie == 100
    assert Settings.from_config({"top_k": "None"}).top_k == Settings().top_k
    with pytest.raises(ValueError, match="cooccurrence_neighbours"):
        Settings.from_config({"cooccurrence_neighbours": "0"})
    with pytest.raises(ValueError, match="als_factors"):
        Settings.from_config({"als_factors": "many"})
    with pytest.raises(ValueError, match="candidate_pages"):
        Settings.from_config({"candidate_pages": "some"})
    with pytest.raises(ValueError, match="recommender"):
        Settings.from_config({"recommender": "magic"})


def test_cooccurrence_vars_parse_like_the_sql_macro():
    """min_cooccurrence and max_pages_per_cookie as dbt renders them (null as "None"), with the SQL macro's
    bounds: >= 1, and null or >= 2."""
    settings = Settings.from_config({"min_cooccurrence": "2", "max_pages_per_cookie": "3"})
    assert (settings.min_cooccurrence, settings.max_pages_per_cookie) == (2, 3)
    for null in ("None", "", "null", None):
        assert Settings.from_config({"max_pages_per_cookie": null}).max_pages_per_cookie is None
    for bad, message in [
        ({"min_cooccurrence": "0"}, "var min_cooccurrence must be >= 1, got 0"),
        ({"max_pages_per_cookie": "1"}, r"var max_pages_per_cookie must be null \(no cap\) or >= 2, got 1"),
        ({"max_pages_per_cookie": "2.5"}, "max_pages_per_cookie='2.5' is not a valid int"),
        ({"min_cooccurrence": "some"}, "min_cooccurrence='some' is not a valid int"),
    ]:
        with pytest.raises(ValueError, match=message):
            Settings.from_config(bad)


def test_event_vars_parse_and_reject_bad_values():
    parsed = Settings.from_json(
        '{"events_path": "e/*.csv", "event_format": "ga4", "event_columns": {"cookie": "visitor"},'
        ' "submission_events": ["form_submit"], "half_life_days": 7, "late_event_days": 2}'
    )
    assert parsed.event_columns == {"cookie": "visitor"} and parsed.submission_events == ["form_submit"]
    assert (parsed.half_life_days, parsed.late_event_days, parsed.event_format) == (7.0, 2, "ga4")
    assert Settings.from_config({"event_columns": '{"cookie": "v"}'}).event_columns == {"cookie": "v"}
    # as the SQL reads them: one name for a list, the format in any case
    assert Settings.from_config({"submission_events": "form_submit"}).submission_events == ["form_submit"]
    assert Settings.from_config({"event_format": " GA4 "}).event_format == " GA4 "
    for bad, message in [
        ({"event_format": "adobe"}, "event_format must be one of"),
        ({"event_timestamp_unit": "ns"}, "event_timestamp_unit must be one of"),
        ({"half_life_days": "0"}, r"half_life_days must be null \(no decay\) or > 0"),
        ({"event_columns": "[1]"}, "event_columns"),
    ]:
        with pytest.raises(ValueError, match=message):
            Settings.from_config(bad)
