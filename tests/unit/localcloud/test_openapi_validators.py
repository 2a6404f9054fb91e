"""LocalStack's OpenAPI validators of its own endpoints are not imported while they are off
(their module imports openapi-core at start); stand-ins that validate nothing take their place.

LocalStack is not installed here: a small package of its name stands in, laid out as
localstack-core (its handlers package and validation module fail if imported)."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

FAILS_IF_IMPORTED = "raise ImportError('imported')\n"
VALIDATION = """
class OpenAPIRequestValidator:
    def __call__(self, chain, context, response): ...

class OpenAPIResponseValidator:
    def __call__(self, chain, context, response): ...
"""


@pytest.fixture
def localstack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "localstack"
    files = {
        "__init__.py": "",
        "config.py": "import os\nOPENAPI_VALIDATE_REQUEST = bool(os.environ.get('VALIDATE'))\n"
        "OPENAPI_VALIDATE_RESPONSE = False\n",
        "runtime/__init__.py": "",
        "runtime/hooks.py": "def on_runtime_create():\n    return lambda hook: hook\n",
        "aws/__init__.py": "",
        "aws/handlers/__init__.py": FAILS_IF_IMPORTED,
        "aws/handlers/validation.py": FAILS_IF_IMPORTED + textwrap.dedent(VALIDATION),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    stale = [name for name in sys.modules if name.split(".")[0] == "localstack"]
    for name in [*stale, "localcloud.memory.openapi_validators"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    yield root
    for name in [name for name in sys.modules if name.split(".")[0] == "localstack"]:
        del sys.modules[name]


def run_the_hook() -> None:
    importlib.import_module(
        "localcloud.memory.openapi_validators"
    ).import_openapi_validators_only_when_on()


def test_while_off_the_validators_are_stand_ins_and_nothing_is_imported(localstack):
    # WHEN LocalStack runs its runtime-create hooks, the validators off
    run_the_hook()

    # THEN its handler chain finds validators that let every request through
    validation = sys.modules["localstack.aws.handlers.validation"]
    for validator in (validation.OpenAPIRequestValidator(), validation.OpenAPIResponseValidator()):
        assert validator(chain=None, context=None, response=None) is None
    # AND neither LocalStack's validation module nor its handlers package was imported to check
    assert "localstack.aws.handlers" not in sys.modules


def test_with_validation_on_localstacks_own_module_is_left_to_load(localstack, monkeypatch):
    monkeypatch.setenv("VALIDATE", "1")
    run_the_hook()
    assert "localstack.aws.handlers.validation" not in sys.modules
