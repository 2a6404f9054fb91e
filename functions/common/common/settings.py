"""A function's settings: its environment read once, at cold start, into a typed model.

Each field's alias is the variable's name, so a missing or malformed variable fails the
function's first import (its init phase) with that name, instead of its first AWS call.

A workflow names its variables' prefix once, on its own base model:

    class PayrollSettings(FunctionSettings, alias_generator=env_names("PAYROLL_")): ...

and each field of its functions' models is then read from the prefix and the field's name in
upper case (`paystubs_bucket` <- `PAYROLL_PAYSTUBS_BUCKET`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from common.errors import field_errors


class FunctionSettings(BaseModel):
    """Base of every function's settings model: fields aliased to their variable's name."""

    model_config = ConfigDict(frozen=True, extra="ignore")


def env_names(prefix: str) -> Callable[[str], str]:
    """An alias generator: each field's variable is `<prefix><FIELD NAME>`."""
    return lambda field_name: prefix + field_name.upper()


class SettingsError(RuntimeError):
    """The environment lacks a variable, or holds one that is not valid (names, never values)."""


def load_settings[S: FunctionSettings](kind: type[S]) -> S:
    try:
        return kind.model_validate(dict(os.environ))
    except ValidationError as error:
        raise SettingsError(
            f"{kind.__name__}: environment variables missing or invalid: "
            + "; ".join(field_errors(error))
        ) from None
