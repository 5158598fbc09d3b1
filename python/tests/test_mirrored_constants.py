"""Constants that live both in Python and in the dbt project (Jinja, YAML), kept equal: one test each."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
import yaml
from assetrec import publishable, registry
from assetrec.models import SIMILARITIES
from assetrec.settings import Settings
from conftest import REPO
from test_model_cooccurrence import MEASURES


def macro_text(name: str) -> str:
    """The file under macros/ that defines macro `name`."""
    return next(p.read_text() for p in (REPO / "macros").rglob("*.sql") if f"macro {name}(" in p.read_text())


def quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def test_int_build_run_hands_every_var_to_the_python_models():
    sql = (REPO / "models" / "intermediate" / "int_build_run.sql").read_text()
    listed = re.search(r"set var_names = \[(.*?)\]", sql, re.S).group(1)
    assert re.findall(r"'(\w+)'", listed) == [f.name for f in fields(Settings)]


def test_cooccurrence_measures_are_the_sql_macros():
    macro = next(
        path
        for path in (REPO / "macros").rglob("*.sql")
        if "macro cooccurrence_measures()" in path.read_text()
    )
    listed = re.search(
        r"macro cooccurrence_measures\(\) %}\s*{{ return\(\[(.*?)\]\) }}", macro.read_text(), re.S
    )
    assert re.findall(r"'(\w+)'", listed.group(1)) == MEASURES == list(SIMILARITIES)
    for measure in MEASURES:
        assert Settings.from_config({"cooccurrence_measure": measure}).cooccurrence_measure == measure
    with pytest.raises(
        ValueError, match=r"cooccurrence_measure must be one of \('jaccard', .*'co_cookies'\)"
    ):
        Settings.from_config({"cooccurrence_measure": "cosinus"})


def test_model_names_in_the_dbt_tests_are_the_registry():
    """model_evaluation's accepted_values list the registry's models, in its order."""
    yml = yaml.safe_load((REPO / "models" / "ml" / "_ml__models.yml").read_text())
    evaluation = next(m for m in yml["models"] if m["name"] == "model_evaluation")
    column = next(c for c in evaluation["columns"] if c["name"] == "model")
    accepted = next(t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t)
    assert accepted["arguments"]["values"] == list(registry.names())
    assert len({m.colour for m in registry.MODELS}) == len(registry.MODELS)


def test_publish_reads_the_build_marker_as_the_hooks_write_it():
    """The marker table's name, the statuses that make a build unsuccessful, and the commands that modify
    the warehouse (the hooks mark those; publish trusts the others' run_results only after a good build)."""
    relation = macro_text("build_marker_relation")
    assert f"identifier='{publishable.BUILD_MARKER}'" in relation
    finished = re.search(r"lower in \((.*?)\)", macro_text("mark_build_finished")).group(1)
    assert set(quoted(finished)) == publishable.FAILED_STATUSES
    modifying = quoted(re.search(r"WHICH in \((.*?)\)", macro_text("modifies_warehouse")).group(1))
    assert modifying == ["build", "run", "seed", "snapshot"]
    assert not set(modifying) & set(publishable.READ_ONLY_COMMANDS)
