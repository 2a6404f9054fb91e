"""Each function's settings model and its Environment in template.yaml agree: every variable the
model needs is one the template gives that function, and every workflow variable the template
gives it is one the model reads (a renamed field or variable fails here, not at a cold start)."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path

import pytest

from common.settings import FunctionSettings
from support.template import load_template


def _functions() -> list[tuple[str, str, set[str]]]:
    template = load_template()
    shared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        variables = set(properties.get("Environment", {}).get("Variables", {}))
        module = properties["Handler"].rsplit(".", 1)[0]
        found.append((logical_id, module, variables | shared))
    return found


FUNCTIONS = _functions()


def _settings_model(module_name: str) -> type[FunctionSettings] | None:
    """The model the handler module loads, found without importing the handler (importing it
    is its cold start, which needs the function's whole environment)."""
    source = Path(importlib.util.find_spec(module_name).origin).read_text()
    loaded = re.search(r"load_settings\((\w+)\)", source)
    if loaded is None:
        return None
    package = module_name.split(".")[0]
    home = f"{package}.settings" if importlib.util.find_spec(f"{package}.settings") else module_name
    return getattr(importlib.import_module(home), loaded.group(1))


MODELLED = [
    (logical_id, module, model, variables)
    for logical_id, module, variables in FUNCTIONS
    if (model := _settings_model(module)) is not None
]


def test_every_function_that_reads_settings_is_checked():
    # A template that stopped declaring handlers would make the check below pass vacuously.
    assert len(MODELLED) >= 30


@pytest.mark.parametrize(
    ("logical_id", "module", "model", "variables"), MODELLED, ids=[m[0] for m in MODELLED]
)
def test_a_function_s_settings_read_the_variables_its_template_sets(
    logical_id, module, model, variables
):
    # GIVEN a function's settings model (the one its handler module loads)
    read = {field.alias or name: field for name, field in model.model_fields.items()}
    # WHEN compared with the function's Environment in the template
    missing = sorted(
        name for name, field in read.items() if field.is_required() and name not in variables
    )
    prefix = module.split(".")[0].upper() + "_"
    unread = sorted(name for name in variables if name.startswith(prefix) and name not in read)
    # THEN every required variable is set, and every workflow variable set is read
    assert (missing, unread) == ([], []), logical_id
