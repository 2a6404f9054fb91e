"""Each function's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

from pydantic import Field

from common.settings import FunctionSettings, env_names


class ImportsSettings(FunctionSettings, alias_generator=env_names("IMPORTS_")):
    """Each field is read from the variable IMPORTS_<FIELD NAME>."""


class StartImportSettings(ImportsSettings):
    state_machine_arn: str


class QuickCheckSettings(ImportsSettings):
    table: str
    # The largest file an import takes (the task streams it; this bounds its run time).
    max_object_bytes: int = Field(default=5 * 1024**3, ge=1024)


class ImportsApiSettings(ImportsSettings):
    table: str
