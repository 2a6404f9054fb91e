"""Step Functions' reserved `States.` error names handled as AWS handles them.

AWS refuses a definition whose Retry or Catch names `States.ALL` beside other errors or in any
but the last retrier or catcher; localstack-core refused the first with a Python message
("Error=ValueError Args=[...]") and accepted the second. At run time `States.ALL` matched every
error, where AWS's never catches `States.Runtime` (a fault of the workflow itself, which always
fails the execution) nor `States.DataLimitExceeded` (caught only when named); and
`States.TaskFailed` matched custom errors only, where AWS's matches any known error but
`States.Timeout`. A task whose heartbeat stopped failed with `States.Timeout`; AWS names it
`States.HeartbeatTimeout`, so a Retry or Catch on that name never saw it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from localstack.runtime import hooks

from localcloud.support.patching import after_import

ALL = "States.ALL"
# What States.ALL does not match; States.Runtime nothing does.
NOT_MATCHED_BY_ALL = frozenset({"States.Runtime", "States.DataLimitExceeded"})
NEVER_MATCHED = frozenset({"States.Runtime"})
TASK_FAILED = "States.TaskFailed"
NOT_MATCHED_BY_TASK_FAILED = NOT_MATCHED_BY_ALL | {"States.Timeout", None}
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"


def misplaced_all(definition: str) -> str | None:
    """AWS's reason to refuse the definition's use of States.ALL, or None if it has none."""
    try:
        document = json.loads(definition)
    except ValueError:
        return None  # the parser reports it
    for path, handlers in _error_handlers(document, ""):
        for index, handler in enumerate(handlers):
            names = handler.get("ErrorEquals") if isinstance(handler, dict) else None
            if not isinstance(names, list) or ALL not in names:
                continue
            at = f"{path}/{index}/ErrorEquals"
            if len(names) > 1:
                return f"SCHEMA_VALIDATION_FAILED: {ALL} must appear alone in ErrorEquals at {at}"
            if index != len(handlers) - 1:
                field = path.rsplit("/", 1)[-1]
                kind = "retrier" if field == "Retry" else "catcher"
                return f"SCHEMA_VALIDATION_FAILED: {ALL} must be in the last {kind} at {at}"
    return None


def _error_handlers(machine: Any, path: str) -> Iterator[tuple[str, list]]:
    """(path, Retry or Catch list) of every state, nested ones included."""
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        at = f"{path}/States/{name}"
        for field in ("Retry", "Catch"):
            if isinstance(state.get(field), list):
                yield f"{at}/{field}", state[field]
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _error_handlers(branch, f"{at}/Branches/{index}")
        for field in ("ItemProcessor", "Iterator"):
            yield from _error_handlers(state.get(field), f"{at}/{field}")


def matches(declared: list[str], error: str | None) -> bool | None:
    """Whether a retrier or catcher declaring `declared` takes `error`; None: the engine says."""
    if error in NEVER_MATCHED:
        return False
    if error in NOT_MATCHED_BY_ALL and ALL in declared:
        return error in declared
    if TASK_FAILED in declared and error not in NOT_MATCHED_BY_TASK_FAILED:
        return True  # AWS: any known error but States.Timeout (the engine: only custom ones)
    return None


@hooks.on_infra_start()
def handle_reserved_errors_as_aws():
    @after_import(
        "localstack.services.stepfunctions.provider",
        requires=("StepFunctionsProvider._validate_definition", "InvalidDefinition"),
    )
    def refuse_misplaced_states_all(provider_module):
        validate = provider_module.StepFunctionsProvider._validate_definition

        def validate_as_aws(definition: str, static_analysers) -> None:
            if (reason := misplaced_all(definition)) is not None:
                refused = provider_module.InvalidDefinition()
                refused.message = f"Invalid State Machine Definition: '{reason}'"
                raise refused
            validate(definition, static_analysers)

        provider_module.StepFunctionsProvider._validate_definition = staticmethod(validate_as_aws)

    @after_import(
        "localstack.services.stepfunctions.asl.component.common.error_name.error_equals_decl",
        requires=("ErrorEqualsDecl._eval_body",),
    )
    def match_as_aws(error_equals_module):
        eval_body = error_equals_module.ErrorEqualsDecl._eval_body

        def eval_body_as_aws(self, env) -> None:
            error = env.stack[-1]
            declared = [name.error_name for name in self.error_names]
            matched = matches(declared, getattr(error, "error_name", None))
            if matched is None:
                return eval_body(self, env)
            env.stack.pop()
            env.stack.append(matched)

        error_equals_module.ErrorEqualsDecl._eval_body = eval_body_as_aws

    _state_task = "localstack.services.stepfunctions.asl.component.state.state_execution.state_task"
    for module, cls in (
        (f"{_state_task}.service.state_task_service_callback", "StateTaskServiceCallback"),
        (f"{_state_task}.state_task_activitiy", "StateTaskActivity"),
    ):
        after_import(module, requires=(f"{cls}._from_error",))(_name_heartbeat_timeouts(cls))


def _name_heartbeat_timeouts(cls: str):
    """A patch of `cls` failing a task whose heartbeat stopped with States.HeartbeatTimeout."""

    def patch(module) -> None:
        from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (  # noqa: E501
            FailureEvent,
        )
        from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
            StatesErrorName,
        )
        from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (  # noqa: E501
            StatesErrorNameType,
        )
        from localstack.services.stepfunctions.asl.eval.callback.callback import (
            HeartbeatTimeoutError,
        )
        from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

        task_class = getattr(module, cls)
        from_error = task_class._from_error

        def from_error_as_aws(self, env, ex):
            event = from_error(self, env, ex)  # the engine's timed-out event, as States.Timeout
            if not isinstance(ex, HeartbeatTimeoutError):
                return event
            details = {
                key: {**value, "error": HEARTBEAT_TIMEOUT}
                for key, value in event.event_details.items()
            }
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=StatesErrorNameType.StatesHeartbeatTimeout),
                event_type=event.event_type,
                event_details=EventDetails(**details),
            )

        task_class._from_error = from_error_as_aws

    return patch
