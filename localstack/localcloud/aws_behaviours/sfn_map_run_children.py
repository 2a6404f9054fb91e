"""A Distributed Map's child executions answer DescribeExecution, DescribeStateMachineForExecution
and GetExecutionHistory, as on AWS, so a Map Run's children can be opened one by one.

LocalStack runs a Map Run's children inside the parent's execution: ListExecutions lists them by
`mapRunArn` (sfn_map_results.py keeps each finished child's record), but their ARNs
(`...:execution:<machine>/<label>:<id>`) were refused as invalid by every other call. Each call
now answers from the child's record: its status, input, output or error and cause, and dates;
its state machine is the Map's item processor under the Map Run's state machine ARN; its history
is its start, its states' events and its end, a redriven child's earlier runs first (LocalStack
wrote every child's events to one list it threw away: each child now gets its own, kept on the
Map Run's record).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from localstack.runtime import hooks

from localcloud.aws_behaviours import sfn_map_results
from localcloud.support.patching import after_import

_MAP = "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
# The events of the child running in this thread (each Map Run worker is a thread).
_running = threading.local()


def is_map_run_child(execution_arn: str) -> bool:
    parts = execution_arn.split(":")
    return len(parts) == 8 and parts[5] == "execution" and "/" in parts[6]


def _find_child(store, execution_arn: str) -> tuple[Any, Any, dict] | None:
    """The parent execution, the Map Run record and the child's record, once it finished."""
    for execution in list(store.executions.values()):
        worker = getattr(execution, "exec_worker", None)
        if worker is None:
            continue
        for record in worker.env.map_run_record_pool_manager.get_all():
            for child in list(getattr(record, "child_results", [])):
                if child["ExecutionArn"] == execution_arn:
                    return execution, record, child
    return None


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def map_state_of(events: list[dict], map_run_arn: str) -> str | None:
    """The name of the Map state that started the Map Run, from the parent's history: the
    state entered before the MapRunStarted naming it. (A Map's `Label` is not its name, and
    without one the run's ARN carries a generated label.)"""
    by_id = {event["id"]: event for event in events}
    for event in events:
        details = event.get("mapRunStartedEventDetails") or {}
        if details.get("mapRunArn") != map_run_arn:
            continue
        while event is not None:
            if event.get("type") == "MapStateEntered":
                return event["stateEnteredEventDetails"]["name"]
            event = by_id.get(event.get("previousEventId"))
    return None


def item_processor(definition: str, map_state: str | None) -> dict:
    """The item processor of the named Map state, as the child workflows' definition."""
    found: dict = {}

    def search(states: dict) -> None:
        for name, state in states.items():
            if not isinstance(state, dict):
                continue
            for branch in state.get("Branches") or []:
                search(branch.get("States") or {})
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if state.get("Type") == "Map" and isinstance(processor, dict):
                if name == map_state:
                    found.update(processor)
                search(processor.get("States") or {})

    search(json.loads(definition).get("States") or {})
    return found


def described(execution, record, child: dict) -> dict:
    """DescribeExecution's answer for a child."""
    answer = {
        "executionArn": child["ExecutionArn"],
        "stateMachineArn": child["StateMachineArn"],
        "name": child["Name"],
        "status": child["Status"],
        "startDate": _when(child["StartDate"]),
        "stopDate": _when(child["StopDate"]),
        "input": child["Input"],
        "inputDetails": {"included": True},
        "mapRunArn": record.map_run_arn,
        "redriveCount": child["RedriveCount"],
        "redriveStatus": child["RedriveStatus"],
    }
    if "RedriveStatusReason" in child:
        answer["redriveStatusReason"] = child["RedriveStatusReason"]
    if "RedriveDate" in child:
        answer["redriveDate"] = _when(child["RedriveDate"])
    if "Output" in child:
        answer |= {"output": child["Output"], "outputDetails": {"included": True}}
    answer |= {key.lower(): child[key] for key in ("Error", "Cause") if key in child}
    return answer


def history(execution, record, child: dict) -> list[dict]:
    """The child's history: its start, its states' events as they ran (a redriven child's
    earlier runs and their ends first), its end."""
    states = getattr(record, "child_events", {}).get(child["ExecutionArn"], [])
    started = {
        "timestamp": _when(child["StartDate"]),
        "type": "ExecutionStarted",
        "executionStartedEventDetails": {
            "input": child["Input"],
            "inputDetails": {"truncated": False},
            "roleArn": execution.role_arn,
        },
    }
    # Numbered afresh: the states' events were numbered after the parent's.
    events = [started, *(dict(event) for event in states), ended(child)]
    for number, event in enumerate(events, start=1):
        event["id"], event["previousEventId"] = number, number - 1
    return events


def ended(child: dict) -> dict:
    """The event a child's run ended with."""
    event = {"timestamp": _when(child["StopDate"])}
    if child["Status"] == "SUCCEEDED":
        return event | {
            "type": "ExecutionSucceeded",
            "executionSucceededEventDetails": {
                "output": child.get("Output"),
                "outputDetails": {"truncated": False},
            },
        }
    details = {key.lower(): child[key] for key in ("Error", "Cause") if key in child}
    return event | {"type": "ExecutionFailed", "executionFailedEventDetails": details}


def redriven(earlier: dict, child: dict) -> list[dict]:
    """The events between a redriven child's earlier run and its next."""
    return [
        ended(earlier),
        {
            "timestamp": _when(child["RedriveDate"]),
            "type": "ExecutionRedriven",
            "executionRedrivenEventDetails": {"redriveCount": child["RedriveCount"]},
        },
    ]


@hooks.on_infra_start()
def answer_for_map_run_children():
    @after_import(
        f"{_MAP}.iteration.itemprocessor.distributed_item_processor_worker",
        requires=("DistributedItemProcessorWorker._eval_job",),
    )
    def keep_each_childs_events(worker_module):
        from localstack.services.stepfunctions.asl.eval.event.event_manager import EventManager

        eval_job = worker_module.DistributedItemProcessorWorker._eval_job

        def eval_job_keeping_its_events(self, env, job) -> None:
            # The children of a Map Run shared one throwaway event list: each gets its own.
            env.event_manager = _running.events = EventManager()
            eval_job(self, env, job)

        worker_module.DistributedItemProcessorWorker._eval_job = eval_job_keeping_its_events

    def keep_its_events(record, child: dict) -> None:
        """A finished child's events, kept beside it, under its ARN, on the Map Run's record."""
        events = getattr(_running, "events", None)
        if events is None:
            return
        # setdefault: the Map Run's workers finish children side by side.
        kept = vars(record).setdefault("child_events", {})
        arn = child["ExecutionArn"]
        earlier = kept.get(arn, []) if child["RedriveCount"] else []
        if earlier:  # redriven: the record it replaces is still the Map Run's
            (was,) = (c for c in record.child_results if c["ExecutionArn"] == arn)
            earlier = [*earlier, *redriven(was, child)]
        kept[arn] = [*earlier, *events.get_event_history()]

    sfn_map_results.CHILD_FINISHED.append(keep_its_events)

    @after_import(
        "localstack.services.stepfunctions.provider",
        requires=(
            "StepFunctionsProvider.describe_execution",
            "StepFunctionsProvider.describe_state_machine_for_execution",
            "StepFunctionsProvider.get_execution_history",
            "ExecutionDoesNotExist",
        ),
    )
    def answer_for_children(provider_module):
        provider = provider_module.StepFunctionsProvider

        def child_of(self, context, execution_arn: str):
            found = _find_child(self.get_store(context), execution_arn)
            if found is None:
                raise provider_module.ExecutionDoesNotExist(
                    f"Execution Does Not Exist: '{execution_arn}'"
                )
            return found

        def answering_children(original, answer):
            def call(self, context, execution_arn, *args, **kwargs):
                if not is_map_run_child(execution_arn):
                    return original(self, context, execution_arn, *args, **kwargs)
                return answer(*child_of(self, context, execution_arn))

            return call

        def machine_of(execution, record, child: dict) -> dict:
            events = execution.exec_worker.env.event_manager.get_event_history()
            map_state = map_state_of(events, record.map_run_arn)
            definition = item_processor(execution.state_machine.definition, map_state)
            return {
                "stateMachineArn": child["StateMachineArn"],
                "name": child["StateMachineArn"].split(":")[-1],
                "definition": json.dumps(definition),
                "roleArn": execution.role_arn,
                "updateDate": execution.start_date,
                "mapRunArn": record.map_run_arn,
                "label": record.map_run_arn.split(":")[6].split("/", 1)[1],
            }

        provider.describe_execution = answering_children(provider.describe_execution, described)
        provider.describe_state_machine_for_execution = answering_children(
            provider.describe_state_machine_for_execution, machine_of
        )
        provider.get_execution_history = answering_children(
            provider.get_execution_history,
            lambda execution, record, child: {"events": history(execution, record, child)},
        )
