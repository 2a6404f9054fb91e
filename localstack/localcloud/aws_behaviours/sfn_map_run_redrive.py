"""A failed Map Run is redriven with its parent, as AWS does it: RedriveExecution of a parent
that failed in a Distributed Map (at top level, or in a branch of a Parallel or an iteration of
an inline Map the redrive goes on in) restarts the Map with the same Map Run (same ARN), whose
child workflows that did not succeed (failed, aborted, timed out) run again; those that succeeded
are not rerun and their results are kept (a Map that failed after its Map Run succeeded, in its
ResultSelector say, takes it up with none to rerun). The parent's history gets `MapRunRedriven` (its
`mapRunArn`, `redriveCount`) where a new run would have had `MapRunStarted`, and DescribeMapRun
shows `redriveCount`, `redriveDate`, and item and execution counts taken up again from the
succeeded ones (`pendingRedrive`: those not yet rerun; `failuresNotRedrivable`: none). A STANDARD
child is redriven in place, as an execution is (same ARN and start date, its `redriveCount` up by
one, its `redriveDate`, its history going on after `ExecutionRedriven`): it goes on from the
state it ended in, with that state's input and its variables, the states before it not rerun;
an EXPRESS child is started anew from its first state (a new ARN replaces the old one among the
Map Run's children), as on AWS. A child that did not succeed is `REDRIVABLE_BY_MAP_RUN`.

Each run of a Distributed Map notes its Map Run on its scope (`note_map_run`: the execution's
environment, or the branch's or iteration's frame); a redrive's Resume of that scope names the
failed one (sfn_redrive_scopes.py), which the next run of that Map state takes up
(`map_run_to_take_up`); sfn_map_results.py skips a succeeded child and redrives a failed one
(`redriven_child`). A STANDARD child that did not succeed leaves on the Map Run the Resume of
its frame (`note_where_child_ended`), which its rerun goes on from (`go_on_where_child_ended`),
as a Parallel's branch does. LocalStack started a new Map Run over every item (and lost the old
one with the parent's run).

A Map Run is redriven 1,000 times at most, AWS's hard limit: the redrive past it fails its Map
with `States.Runtime` ("If you've exceeded this limit, you'll receive the States.Runtime error"),
starting no Map Run, the Map Run left as it was (the parent's redrive itself is accepted).

A redriven Map Run maps the items its ItemReader read the first time (kept on it, `items_read`),
not the object as it is now: AWS's redrive of a Map Run that started its children uses the input
of the original attempt; one whose reading failed reads again (AWS: the input in S3).

Not as AWS: a Map Run left running by a stopped parent is not taken up (a new one starts). AWS
does not document the cause of the `States.Runtime` past the limit: it is the local cloud's own.
"""

from __future__ import annotations

import copy

from localstack.runtime import hooks

from localcloud.aws_behaviours.sfn_item_readers import map_failure
from localcloud.aws_behaviours.sfn_redrive_scopes import fate_of, map_run_to_take_up, note_map_run
from localcloud.clock.clock import CLOCK
from localcloud.support.patching import after_import

_MAP = "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"
UNSUCCESSFUL = ("failed", "aborted", "timed_out")
REDRIVE_LIMIT = 1000  # of one Map Run (AWS: a hard limit)


def redriven_child(record, earlier: dict, child: dict) -> dict:
    """A rerun child as AWS records it: a STANDARD one keeps its ARN and counts the redrive."""
    if getattr(record, "child_execution_type", "STANDARD") == "EXPRESS":
        return child
    return child | {
        "ExecutionArn": earlier["ExecutionArn"],
        "Name": earlier["Name"],
        "StartDate": earlier["StartDate"],
        "RedriveCount": earlier["RedriveCount"] + 1,
        "RedriveDate": child["StartDate"],
    }


def note_where_child_ended(record, job_index: int, frame) -> None:
    """A STANDARD child that did not succeed: where its redrive goes on, kept on its Map Run."""
    if getattr(record, "child_execution_type", "STANDARD") != "EXPRESS":
        # setdefault: the Map Run's workers finish children side by side.
        vars(record).setdefault("child_resumes", {})[job_index] = fate_of(frame)


def go_on_where_child_ended(record, job_index: int, frame) -> None:
    """A redriven STANDARD child goes on where it ended (sfn_redrive_scopes.py starts it there)."""
    resume = vars(record).get("child_resumes", {}).pop(job_index, None)
    if resume is not None:
        frame.redrive_resume = resume


def _take_up(env, eval_input, record) -> None:
    """The failed Map Run takes the place of the new one the Map state made for this run; past
    its redrive limit, the Map fails with neither."""
    from localstack.aws.api.stepfunctions import MapRunStatus

    pool = vars(env.map_run_record_pool_manager)["_pool"]
    pool.pop(eval_input.map_run_record.map_run_arn)
    if getattr(record, "redrive_count", 0) >= REDRIVE_LIMIT:
        cause = (
            f"The Map Run {record.map_run_arn} cannot be redriven more than {REDRIVE_LIMIT} times"
        )
        raise map_failure(env, "Runtime", cause)
    pool[record.map_run_arn] = pool.pop(record.map_run_arn)  # the last, as a new one is
    eval_input.map_run_record = record
    record.redrive_date = CLOCK.now()  # Map Run dates are on the local cloud's clock
    record.redrive_count = getattr(record, "redrive_count", 0) + 1
    record.status, record.stop_date = MapRunStatus.RUNNING, None
    for counter in (record.item_counter, record.execution_counter):
        _count_again_from_the_succeeded(counter)


def _count_again_from_the_succeeded(counter) -> None:
    """The children that did not succeed leave the counts: their reruns count anew."""
    unsuccessful = sum(getattr(counter, name).get() for name in UNSUCCESSFUL)
    counter.total.offset(-unsuccessful)
    for name in (*UNSUCCESSFUL, "running"):
        getattr(counter, name).offset(-getattr(counter, name).get())
    counter.expected = counter.total.get() + unsuccessful


def _pending_redrive(counter) -> int:
    """The children of a redriven Map Run not rerun yet (each rerun counts in the total)."""
    return max(getattr(counter, "expected", 0) - counter.total.get(), 0)


class _ItemsKept:
    """A Map Run's ItemReader that keeps on its Map Run the items it read."""

    def __init__(self, reader, record):
        self._reader, self._record = reader, record

    def eval(self, env) -> None:
        self._reader.eval(env=env)
        self._record.items_read = copy.deepcopy(env.stack[-1])


def _read_once(eval_input) -> None:
    """The Map Run maps the items it read before, if it did; else it keeps those it reads."""
    record = eval_input.map_run_record
    if hasattr(record, "items_read"):
        eval_input.item_reader = None  # the engine takes `input_items` then
        eval_input.input_items = copy.deepcopy(record.items_read)
    elif eval_input.item_reader:
        eval_input.item_reader = _ItemsKept(eval_input.item_reader, record)


class _RedrivenMapRunEvents:
    """The parent's history while its Map Run is redriven: MapRunRedriven for MapRunStarted."""

    def __init__(self, history, record):
        self._history, self._record = history, record

    def add_event(self, context, event_type, event_details=None, **kwargs):
        from localstack.aws.api.stepfunctions import HistoryEventType, MapRunRedrivenEventDetails

        if event_type == HistoryEventType.MapRunStarted:
            event_type = HistoryEventType.MapRunRedriven
            event_details = {
                "mapRunRedrivenEventDetails": MapRunRedrivenEventDetails(
                    mapRunArn=self._record.map_run_arn, redriveCount=self._record.redrive_count
                )
            }
        return self._history.add_event(context, event_type, event_details, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._history, name)


@hooks.on_infra_start()
def redrive_map_runs_as_aws():
    @after_import(
        f"{_MAP}.iteration.distributed_iteration_component",
        requires=("DistributedIterationComponent._eval_body",),
    )
    def take_up_failed_map_runs(component_module):
        eval_body = component_module.DistributedIterationComponent._eval_body

        def eval_body_redriving(self, env) -> None:
            eval_input = env.stack[-1]
            record = map_run_to_take_up(env, eval_input.state_name)
            # the one a redrive takes up if it fails
            note_map_run(
                env, eval_input.state_name, record if record else eval_input.map_run_record
            )
            if record is None:
                _read_once(eval_input)
                return eval_body(self, env)
            _take_up(env, eval_input, record)
            _read_once(eval_input)
            history = env.event_manager
            env.event_manager = _RedrivenMapRunEvents(history, record)
            try:
                eval_body(self, env)
            finally:
                env.event_manager = history

        component_module.DistributedIterationComponent._eval_body = eval_body_redriving

    @after_import(
        f"{_MAP}.iteration.itemprocessor.map_run_record",
        requires=("MapRunRecord.describe", "MapRunRecordPoolManager._pool"),  # _take_up's
    )
    def describe_redrives(record_module):
        describe = record_module.MapRunRecord.describe

        def describe_with_redrives(self):
            answer = describe(self)
            answer["redriveCount"] = getattr(self, "redrive_count", 0)
            if hasattr(self, "redrive_date"):
                answer["redriveDate"] = self.redrive_date
            for key, counter in (
                ("itemCounts", self.item_counter),
                ("executionCounts", self.execution_counter),
            ):
                answer[key]["pendingRedrive"] = _pending_redrive(counter)
                answer[key]["failuresNotRedrivable"] = 0
            return answer

        record_module.MapRunRecord.describe = describe_with_redrives
