"""The pre-screening state machine's executions: one per application, named after it."""

from __future__ import annotations

EXECUTION_NAME_PREFIX = "PreScreening-"


def execution_name(application_id: str) -> str:
    return EXECUTION_NAME_PREFIX + application_id


def application_id_of(execution_name: str) -> str:
    return execution_name.removeprefix(EXECUTION_NAME_PREFIX)
