"""Distributed Map states run as AWS runs them: batches, EXPRESS children, tolerated failures.

localstack-core's ASL grammar has no `ItemBatcher` and knows only `STANDARD` as a Distributed
Map's `ProcessorConfig.ExecutionType`, so CreateStateMachine refused both ("mismatched input
'"ItemBatcher"'", '"EXPRESS" expecting "STANDARD"'): templates written for AWS did not deploy.
Before the definition reaches the grammar, each DISTRIBUTED Map's `ItemBatcher` is lifted out
and an EXPRESS child type noted (the grammar then sees STANDARD); both are put back on the
parsed Map. An INLINE Map keeps them, so the grammar refuses them there as AWS does. An
ItemReader's `InputType: JSONL` (unknown to LocalStack) is read as JSON, a line an item.

At run time a batched Map hands each child workflow `{"Items": [...], "BatchInput": ...}`:
each item through the ItemSelector first, at most `MaxItemsPerBatch` items and
`MaxInputBytesPerBatch` bytes of input per batch (AWS's defaults: no item limit, 256 KiB), and
the Map Run counts items and child executions apart, as DescribeMapRun shows them on AWS.
Child workflows run in the engine's one way whatever their type; DescribeStateMachine and the
Map Run's state machine keep the definition as written.

LocalStack read `ToleratedFailureCount` / `ToleratedFailurePercentage` and never applied them:
a Map Run with failed children succeeded, their results null. As on AWS, the Map Run now fails
with `States.ExceedToleratedFailureThreshold` once its failed (or timed-out) items pass what it
tolerates (none unless it says so; a percentage of all its items), and fails at once, as the
child that passed it ends: its running children are stopped (listed and counted ABORTED, rerun
by a redrive), no pending one starts (AWS counts only the children it started: the others are
in no count), and the Map state fails once the stopped ones have ended. The grammar took a
percentage only with a decimal point (AWS takes 20 as well as 20.0), and UpdateMapRun refused
new tolerances with a 500.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_lifted_fields import lift_for_maps
from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

TOLERANCE_EXCEEDED = "The specified tolerated failure threshold was exceeded"
# Step Functions' limit on an execution's input, and so on a batch's.
MAX_BATCH_BYTES = 256 * 1024

_MAP = "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
TOLERANCES = (
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
)
# What failing a Map Run at once (`_fail_map_run`) reaches into of LocalStack's job pool.
JOB_POOL_INTERNALS = (
    "JobPool._mutex",
    "JobPool._open_jobs",
    "JobPool._closed_jobs",
    "JobPool._notify_on_termination",
    "JobClosed",
    "Job.job_index",
)
_ITEM_COUNTS = (
    "aborted",
    "failed",
    "pending",
    "results_written",
    "running",
    "succeeded",
    "timed_out",
    "total",
)


@dataclass(frozen=True)
class ItemBatcher:
    """A Map's ItemBatcher as written; its `...Path` fields read from the Map's input."""

    declared: dict[str, Any] = field(default_factory=dict)

    def limit(self, name: str, state_input: Any, default: int) -> int:
        if name in self.declared:
            return int(self.declared[name])
        if f"{name}Path" in self.declared:
            from localstack.services.stepfunctions.asl.utils.json_path import extract_json

            return int(extract_json(self.declared[f"{name}Path"], state_input))
        return default

    def batch_input(self, state_input: Any) -> Any:
        from localstack.services.stepfunctions.asl.utils.json_path import extract_json

        declared = self.declared.get("BatchInput")
        if not isinstance(declared, dict):
            return declared
        # "key.$": a path into the Map's input, as in Parameters.
        return {
            key.removesuffix(".$"): (
                extract_json(value, state_input) if key.endswith(".$") else value
            )
            for key, value in declared.items()
        }

    def batches(self, items: list[Any], state_input: Any) -> Iterator[dict[str, Any]]:
        max_items = self.limit("MaxItemsPerBatch", state_input, default=len(items) or 1)
        max_bytes = self.limit("MaxInputBytesPerBatch", state_input, default=MAX_BATCH_BYTES)
        shared = {}
        if "BatchInput" in self.declared:
            shared["BatchInput"] = self.batch_input(state_input)
        batch: list[Any] = []
        for item in items:
            grown = {"Items": [*batch, item], **shared}
            if batch and (len(batch) >= max_items or _size(grown) > max_bytes):
                yield {"Items": batch, **shared}
                batch = []
            batch.append(item)
        if batch:
            yield {"Items": batch, **shared}


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def lift_unsupported_fields(definition: str) -> tuple[str, dict[str, dict]]:
    """The definition the grammar accepts, and what was lifted out of each DISTRIBUTED Map."""
    try:
        document = json.loads(definition)
    except ValueError:
        return definition, {}  # the parser reports it
    lifted: dict[str, dict] = {}
    changed = _lift_from_states(document, lifted)
    return (json.dumps(document) if changed else definition), lifted


def _lift_from_states(machine: Any, lifted: dict[str, dict]) -> bool:
    """Lift each DISTRIBUTED Map's fields into `lifted`; whether the definition changed."""
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict):
        return False
    changed = False
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        for branch in state.get("Branches") or []:
            changed |= _lift_from_states(branch, lifted)
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if state.get("Type") != "Map" or not isinstance(processor, dict):
            continue
        changed |= _lift_from_states(processor, lifted)
        config = processor.get("ProcessorConfig")
        if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED":
            lifted[name], map_changed = _lift_from_map(state, config)
            changed |= map_changed
    return changed


def _lift_from_map(state: dict, config: dict) -> tuple[dict, bool]:
    """What the grammar cannot take from one DISTRIBUTED Map; whether the Map changed."""
    extras: dict[str, Any] = {"Tolerances": [f for f in TOLERANCES if f in state]}
    changed = False
    if isinstance(state.get("ItemBatcher"), dict):
        extras["ItemBatcher"] = state.pop("ItemBatcher")
    if config.get("ExecutionType") == "EXPRESS":
        config["ExecutionType"] = "STANDARD"
        extras["ExecutionType"] = "EXPRESS"
    config = (state.get("ItemReader") or {}).get("ReaderConfig") or {}
    if config.get("InputType") == "JSONL":
        config["InputType"] = "JSON"  # the grammar's word: the reader reads it line by line
        extras["InputType"] = "JSONL"
    percentage = state.get("ToleratedFailurePercentage")
    if isinstance(percentage, int) and not isinstance(percentage, bool):
        # AWS takes 0-100 as any number; the grammar only one with a decimal point.
        state["ToleratedFailurePercentage"] = float(percentage)
        changed = True
    return extras, changed or len(extras) > 1


def _put_lifted_fields_back(state, extras: dict | None) -> None:
    """A Map's batcher, child execution type, tolerances and JSON Lines reader."""
    extras = extras or {}
    if "ItemBatcher" in extras:
        state.iteration_component.item_batcher = ItemBatcher(extras["ItemBatcher"])
    if "ExecutionType" in extras:
        state.iteration_component.child_execution_type = extras["ExecutionType"]
    state.iteration_component.declared_tolerances = extras.get("Tolerances", ())
    if extras.get("InputType") == "JSONL":
        state.item_reader.resource_output_transformer = _json_lines_reader()


@hooks.on_infra_start()
def run_distributed_maps_as_aws():
    lift_for_maps("lifted map fields", lift_unsupported_fields, _put_lifted_fields_back)

    @after_import(
        f"{_MAP}.iteration.distributed_iteration_component",
        requires=("DistributedIterationComponent._map_run",),
    )
    def run_map_runs_as_aws(component_module):
        map_run = component_module.DistributedIterationComponent._map_run

        def map_run_as_aws(self, env, eval_input) -> None:
            record = eval_input.map_run_record
            record.declared_tolerances = set(getattr(self, "declared_tolerances", ()))
            batcher: ItemBatcher | None = getattr(self, "item_batcher", None)
            if batcher is not None:
                eval_input = _in_batches(env, eval_input, batcher)
            _track_children(record, jobs=env.stack[-1], batcher=batcher)
            map_run(self, env, eval_input)
            _nothing_left_running(record)
            if exceeds_tolerance(record):
                raise _tolerance_exceeded(env)

        component_module.DistributedIterationComponent._map_run = map_run_as_aws

    @after_import(
        "localstack.services.stepfunctions.provider",
        requires=("StepFunctionsProvider.update_map_run", "ResourceNotFound"),
    )
    def update_tolerances(provider_module):
        def update_map_run(self, context, map_run_arn, max_concurrency=None, **tolerances):
            # LocalStack raised NotImplementedError (a 500) for the tolerances.
            count = tolerances.get("tolerated_failure_count")
            percentage = tolerances.get("tolerated_failure_percentage")
            for execution in self.get_store(context).executions.values():
                pool = execution.exec_worker.env.map_run_record_pool_manager
                if (record := pool.get(map_run_arn)) is not None:
                    record.update(max_concurrency, count, percentage)
                    named = {
                        "ToleratedFailureCount": count,
                        "ToleratedFailurePercentage": percentage,
                    }
                    record.declared_tolerances = getattr(record, "declared_tolerances", set()) | {
                        field for field, value in named.items() if value is not None
                    }
                    return {}
            raise provider_module.ResourceNotFound()

        provider_module.StepFunctionsProvider.update_map_run = update_map_run

    @after_import(
        f"{_MAP}.iteration.itemprocessor.distributed_item_processor_worker",
        requires=("DistributedItemProcessorWorker._eval_job",),
    )
    def count_items_of_batches(worker_module):
        eval_job = worker_module.DistributedItemProcessorWorker._eval_job

        def eval_job_counting_items(self, env, job) -> None:
            record = self._map_run_record
            if not getattr(record, "items_per_job", False):
                return eval_job(self, env, job)
            # Each worker is a thread of its own: its record is swapped for this batch only.
            self._map_run_record = _BatchOfItems(record, len(job.job_input["Items"]))
            try:
                eval_job(self, env, job)
            finally:
                self._map_run_record = record

        worker_module.DistributedItemProcessorWorker._eval_job = eval_job_counting_items

    @after_import(f"{_MAP}.iteration.job", requires=JOB_POOL_INTERNALS)
    def reach_into_job_pools(job_module) -> None:
        """Nothing to change: `_fail_map_run` closes a pool's jobs never started through these."""

    @after_import(
        f"{_MAP}.iteration.itemprocessor.distributed_item_processor_worker",
        requires=(
            "DistributedItemProcessorWorker._eval_job",
            "DistributedItemProcessorWorker.eval",
        ),
    )
    def fail_map_runs_at_once(worker_module):
        eval_job = worker_module.DistributedItemProcessorWorker._eval_job

        def eval_job_failing_its_map_run(self, env, job) -> None:
            record = _whole(self._map_run_record)
            try:
                eval_job(self, env, job)
            finally:
                _child_ended(record, env)
            if getattr(env, "stopped_before_its_run", False):
                # Stopped before its first state, which the engine then refused to set: it
                # counted the child failed, but it was aborted.
                items = self._map_run_record.item_counter  # a batch's: each of its items
                items.failed.offset(-1)
                items.aborted.count()
                record.execution_counter.aborted.count()
            if exceeds_tolerance(record):
                _fail_map_run(record, self._job_pool)
            if record.failed_at is not None:
                self.sig_stop()  # it starts no further child

        worker_module.DistributedItemProcessorWorker._eval_job = eval_job_failing_its_map_run

        def work_from_its_first_child(self) -> None:
            record = _whole(self._map_run_record)
            with record.children_lock:  # each worker launched starts a child, if one is left
                first = self._job_pool.next_job()
                record.workers_begun += 1
            self._eval_pool(job=first, worker_frame=self._env)

        worker_module.DistributedItemProcessorWorker.eval = work_from_its_first_child
        eval_input = worker_module.DistributedItemProcessorWorker._eval_input

        def eval_input_then_run(self, env_frame) -> None:
            # A running child from here: its input made, its program about to start.
            eval_input(self, env_frame)
            _child_started(_whole(self._map_run_record), env_frame)

        worker_module.DistributedItemProcessorWorker._eval_input = eval_input_then_run


class _ScaledCounter:
    def __init__(self, counter, items: int):
        self._counter, self._items = counter, items

    def count(self, increment: int = 1) -> None:
        self._counter.count(increment * self._items)

    def offset(self, offset: int) -> None:
        self._counter.offset(offset * self._items)

    def get(self) -> int:
        return self._counter.get()


class _ItemsOfBatch:
    def __init__(self, item_counter, items: int):
        for name in _ITEM_COUNTS:
            setattr(self, name, _ScaledCounter(getattr(item_counter, name), items))


class _BatchOfItems:
    """A Map Run record as one batch's worker sees it: an item counted is each of its items
    (the engine counts its job, the batch, once), executions counted as they are."""

    def __init__(self, record, items: int):
        self._record = record
        self.item_counter = _ItemsOfBatch(record.item_counter, items)

    def __getattr__(self, name: str):
        return getattr(self._record, name)


def _json_lines_reader():
    """The ItemReader's JSON reader, given a JSON Lines object: each line an item."""
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.item_reader.resource_eval.resource_output_transformer.resource_output_transformer_json import (  # noqa: E501
        ResourceOutputTransformerJson,
    )

    class JsonLinesReader(ResourceOutputTransformerJson):
        def _eval_body(self, env) -> None:
            reader_config = env.stack.pop()
            lines = env.stack.pop().splitlines()
            env.stack.append(json.dumps([json.loads(line) for line in lines if line.strip()]))
            env.stack.append(reader_config)
            super()._eval_body(env)

    return JsonLinesReader()


def _in_batches(env, eval_input, batcher: ItemBatcher):
    """The Map's items replaced on the stack by their batches; the eval input for them."""
    items = env.stack.pop()
    state_input = env.stack[-1] if env.stack else env.states.get_input()
    selected = [_selected(env, eval_input, i, item) for i, item in enumerate(items)]
    env.stack.append(list(batcher.batches(selected, state_input)))
    # The items went through the ItemSelector already; the batch is the child's input.
    as_batches = copy.copy(eval_input)
    as_batches.item_selector = as_batches.parameters = None
    eval_input.map_run_record.items_per_job = True
    return as_batches


def exceeds_tolerance(record) -> bool:
    """Whether the Map Run's failed items pass what it tolerates: none unless it says, else more
    than its count or its percentage of all its items, whichever it names (either, if both)."""
    items = record.item_counter
    failed = items.failed.get() + items.timed_out.get()
    declared = {name.removesuffix("Path") for name in record.declared_tolerances}
    if not declared:
        return failed > 0
    over_count = failed > record.tolerated_failure_count
    over_percentage = failed * 100 > record.tolerated_failure_percentage * record.items_in_run
    return ("ToleratedFailureCount" in declared and over_count) or (
        "ToleratedFailurePercentage" in declared and over_percentage
    )


def _track_children(record, jobs: list, batcher: ItemBatcher | None) -> None:
    """What failing the Map Run at once needs: its items (a batch holds several), its running
    children, when it failed, and how many workers it launches and has begun."""
    record.items_in_run = sum(len(job["Items"]) for job in jobs) if batcher else len(jobs)
    record.running_children, record.failed_at = set(), None
    record.workers, record.workers_begun = record.max_concurrency or len(jobs), 0
    record.children_lock = threading.Lock()


def _whole(record):
    """The Map Run's record, not the view of it a batch's worker has."""
    return record._record if isinstance(record, _BatchOfItems) else record


def _child_started(record, frame) -> None:
    with record.children_lock:
        record.running_children.add(frame)
        if record.failed_at is not None:  # one of the first, started as the Map Run failed
            frame.set_stop(stop_date=record.failed_at, cause=None, error=None)
            frame.stopped_before_its_run = True


def _child_ended(record, frame) -> None:
    with record.children_lock:
        record.running_children.discard(frame)


def _fail_map_run(record, job_pool) -> None:
    """The Map Run fails now, as on AWS: its running children are stopped (ABORTED), and no
    pending one starts but the first child of each worker launched (the Map Run starts its first
    MaxConcurrency children together), stopped at once; the Map state fails once they have ended
    (map_run_as_aws)."""
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.job import (  # noqa: E501
        JobClosed,
    )

    with record.children_lock:
        if record.failed_at is not None:
            return
        record.failed_at = CLOCK.now(UTC)
        for frame in record.running_children:
            frame.set_stop(stop_date=record.failed_at, cause=None, error=None)
        # The pool ends once each job is closed: a job never started is, with no output.
        with job_pool._mutex:
            pending = job_pool._open_jobs  # the next one last
            kept = max(record.workers - record.workers_begun, 0)
            never_started = pending[: max(len(pending) - kept, 0)]
            del pending[: len(never_started)]
            job_pool._closed_jobs.update(JobClosed(job.job_index, None) for job in never_started)
            job_pool._notify_on_termination()


def _nothing_left_running(record) -> None:
    # The engine leaves a failed child counted as running; at the end nothing runs.
    for counter in (record.item_counter.running, record.execution_counter.running):
        counter.offset(-counter.get())


def _tolerance_exceeded(env):
    from localstack.aws.api.stepfunctions import HistoryEventType, MapRunFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
        StatesErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (  # noqa: E501
        StatesErrorNameType,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    error = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
    details = MapRunFailedEventDetails(error=error.error_name, cause=TOLERANCE_EXCEEDED)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=error,
            event_type=HistoryEventType.MapRunFailed,
            event_details=EventDetails(mapRunFailedEventDetails=details),
        )
    )


def _selected(env, eval_input, index: int, item: Any) -> Any:
    """The item as the ItemSelector (or legacy Parameters) makes it, $$.Map.Item set."""
    selector = eval_input.item_selector or eval_input.parameters
    if selector is None:
        return item
    from localstack.services.stepfunctions.asl.eval.states import ItemData, MapData

    frame = env.open_inner_frame()
    try:
        frame.states.context_object.context_object_data["Map"] = MapData(
            Item=ItemData(Index=index, Value=item)
        )
        state_input = env.stack[-1] if env.stack else env.states.get_input()
        frame.states.reset(input_value=state_input)
        frame.stack.append(state_input)
        selector.eval(frame)
        return frame.stack.pop()
    finally:
        env.delete_frame(frame)
