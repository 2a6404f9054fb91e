"""The path an execution took, rebuilt from its history events (GetExecutionHistory's shape).

Each time a state is entered is a visit: its input and output, each attempt of its task (so
each retry, with its error), its error and cause, and how it ended:

    succeeded  left normally on its first attempt
    retried    left normally after one or more failed attempts
    caught     failed, and one of its Catchers sent the run on
    failed     failed, and the failure ended its branch, iteration or the execution
    running    entered and not yet left, in a running execution
    aborted    entered and never left because something else stopped the run

Map iterations are told apart by following each event's previousEventId back to the
MapIterationStarted that began its chain, so iterations that ran concurrently stay apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

# Task-like event families: (scheduled, started, succeeded, failures...)
_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
_STARTED = ("TaskStarted", "LambdaFunctionStarted", "ActivityStarted")
_SUCCEEDED = ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded")
_FAILED = {
    "TaskFailed": "failed",
    "TaskTimedOut": "timed out",
    "TaskStartFailed": "failed",
    "TaskSubmitFailed": "failed",
    "LambdaFunctionFailed": "failed",
    "LambdaFunctionTimedOut": "timed out",
    "LambdaFunctionStartFailed": "failed",
    "LambdaFunctionScheduleFailed": "failed",
    "ActivityFailed": "failed",
    "ActivityTimedOut": "timed out",
    "ActivityScheduleFailed": "failed",
}
# Failures of a state itself, not of one attempt of its task.
_STATE_FAILED = ("MapStateFailed", "ParallelStateFailed", "EvaluationFailed", "MapRunFailed")
_ITERATION_END = {
    "MapIterationSucceeded": "succeeded",
    "MapIterationFailed": "failed",
    "MapIterationAborted": "aborted",
}

Scope = tuple[tuple[str, int], ...]  # ((map state, iteration index), ...) from the outside in


@dataclass
class Attempt:
    number: int  # 1 for the first try, 2 for the first retry, ...
    resource: str
    scheduled: datetime.datetime
    parameters: str | None = None
    started: datetime.datetime | None = None
    ended: datetime.datetime | None = None
    status: str = "running"  # running | succeeded | failed | timed out
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    request_id: str | None = None  # a Lambda invocation's, when known
    submitted: str | None = None  # a .sync task's TaskSubmitted output: the job it started
    task: dict | None = None  # an ecs:runTask attempt's task, as DescribeTasks shows it
    logs: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> float | None:
        return _millis(self.scheduled, self.ended)


@dataclass
class Visit:
    state: str
    type: str
    scope: Scope
    entered: datetime.datetime
    input: str | None = None
    exited: datetime.datetime | None = None
    output: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None
    cause: str | None = None
    failed: bool = False
    status: str = "running"
    event_ids: list[int] = field(default_factory=list)
    map_run_arn: str | None = None  # a Distributed Map's run of child executions
    denials: list[dict] = field(default_factory=list)  # calls IAM denied it (iam/journal.py)

    @property
    def duration_ms(self) -> float | None:
        return _millis(self.entered, self.exited)

    @property
    def retries(self) -> int:
        return max(0, len(self.attempts) - 1)


@dataclass
class Iteration:
    map_state: str
    index: int
    scope: Scope
    status: str = "running"


@dataclass
class Path:
    status: str  # the execution's: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    visits: list[Visit]
    iterations: list[Iteration]
    started: datetime.datetime | None
    stopped: datetime.datetime | None
    input: str | None
    output: str | None
    error: str | None
    cause: str | None
    # (from state, to state) of every transition made, read from the event chains
    taken: set[tuple[str, str]] = field(default_factory=set)

    def visits_of(self, state: str) -> list[Visit]:
        return [v for v in self.visits if v.state == state]

    def state_status(self, state: str) -> str:
        """One status per state for colouring: the most telling of its visits'."""
        statuses = {v.status for v in self.visits_of(state)}
        for status in ("running", "failed", "caught", "retried", "succeeded", "aborted"):
            if status in statuses:
                return status
        return "not reached"

    def denied(self, state: str) -> int:
        """How many of the state's calls IAM denied, over all its visits."""
        return sum(len(v.denials) for v in self.visits_of(state))

    def transitions(self) -> int:
        """State transitions as Standard workflows bill them: every state entered, every retry."""
        return sum(1 + v.retries for v in self.visits)


def reconstruct(events: Iterable[dict], catch_targets: dict[str, set[str]] | None = None) -> Path:
    """The path of one execution. `catch_targets` maps a state to its Catchers' Next states
    (from the graph); with it a failure followed by one of them is told apart as caught."""
    walk = _Walk(sorted(events, key=lambda e: e["id"]), catch_targets or {})
    for event in walk.events:
        walk.read(event)
    _finish(walk.path, walk.visits)
    walk.path.iterations = sorted(walk.iterations.values(), key=lambda i: (i.scope[:-1], i.index))
    return walk.path


_EXECUTION_ENDS = {
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


class _Walk:
    """The history read event by event: which scope each event is in, which visit it belongs
    to, and the visits and iterations found so far."""

    def __init__(self, events: list[dict], catch_targets: dict[str, set[str]]) -> None:
        self.events = events
        self.catch_targets = catch_targets
        self.by_id = {e["id"]: e for e in events}
        self.scopes: dict[int, Scope] = {}
        self.visits: list[Visit] = []
        self.open_visits: dict[tuple[str, Scope], Visit] = {}
        self.iterations: dict[Scope, Iteration] = {}
        self.last_open_iteration: list[Scope] = []
        self.owner: dict[int, Visit] = {}  # event id -> the visit it belongs to
        self.path = Path("RUNNING", self.visits, [], None, None, None, None, None, None)

    def read(self, event: dict) -> None:
        kind = event["type"]
        scope = _scope_of(event, self.by_id, self.scopes, self.last_open_iteration)
        self.scopes[event["id"]] = scope
        when = _as_datetime(event["timestamp"])
        details = _details(event)
        if kind in ("ExecutionStarted", "ExecutionSucceeded", *_EXECUTION_ENDS):
            self._execution(kind, when, details)
        elif kind == "ExecutionRedriven":
            self._redriven()
        elif kind == "MapIterationStarted":
            self._iteration_started(event, scope, details)
        elif kind in _ITERATION_END:
            self._iteration_ended(event, kind, scope, details)
        elif kind.endswith("StateEntered"):
            self._entered(event, kind, scope, when, details)
        elif kind.endswith("StateExited"):
            self._exited(event, scope, when, details)
        else:
            visit = _current_visit(self.open_visits, scope, self.visits)
            if visit is not None:
                visit.event_ids.append(event["id"])
                self.owner[event["id"]] = visit
                _visit_event(visit, kind, when, details)

    def _execution(self, kind: str, when: datetime.datetime, details: dict) -> None:
        path = self.path
        if kind == "ExecutionStarted":
            path.started, path.input = when, details.get("input")
        elif kind == "ExecutionSucceeded":
            path.status, path.stopped, path.output = "SUCCEEDED", when, details.get("output")
        else:
            path.status, path.stopped = _EXECUTION_ENDS[kind], when
            path.error, path.cause = details.get("error"), details.get("cause")

    def _redriven(self) -> None:
        """The execution runs again (RedriveExecution) from where it ended: a state that failed
        there runs again, as after a retry; one that was cut short, was."""
        for visit in self.open_visits.values():
            if visit.status == "running":
                visit.status = "retried" if visit.failed else "aborted"
        self.open_visits.clear()
        path = self.path
        path.status, path.stopped, path.error, path.cause = "RUNNING", None, None, None

    def _iteration_started(self, event: dict, scope: Scope, details: dict) -> None:
        # Its chain may run through the previous iteration's last event: step out of it.
        name = details.get("name", "")
        inner = (*_outside(scope, name), (name, int(details.get("index", 0))))
        self.scopes[event["id"]] = inner
        self.iterations[inner] = Iteration(inner[-1][0], inner[-1][1], inner)
        self.last_open_iteration.append(inner)

    def _iteration_ended(self, event: dict, kind: str, scope: Scope, details: dict) -> None:
        inner = _iteration_scope(scope, details)
        self.scopes[event["id"]] = inner[:-1]  # what follows the iteration is outside it
        if inner in self.iterations:
            self.iterations[inner].status = _ITERATION_END[kind]
        if inner in self.last_open_iteration:
            self.last_open_iteration.remove(inner)

    def _entered(
        self, event: dict, kind: str, scope: Scope, when: datetime.datetime, details: dict
    ) -> None:
        name = details.get("name", "?")
        came_from = self.owner.get(event.get("previousEventId"))
        if came_from is not None and came_from.state != name:
            self.path.taken.add((came_from.state, name))
        visit = Visit(name, kind.removesuffix("StateEntered"), scope, when, details.get("input"))
        visit.event_ids.append(event["id"])
        self.owner[event["id"]] = visit
        self._mark_caught_by(name, scope)
        self.visits.append(visit)
        self.open_visits[(name, scope)] = visit
        if visit.type == "Fail":
            visit.failed, visit.exited, visit.status = True, when, "failed"

    def _mark_caught_by(self, name: str, scope: Scope) -> None:
        """A state entered after a failure in the same scope: was it a Catcher's target?"""
        for earlier in reversed(self.visits):
            if (
                earlier.scope == scope
                and earlier.failed
                and earlier.status == "running"
                and name in self.catch_targets.get(earlier.state, set())
            ):
                earlier.status = "caught"
                self.open_visits.pop((earlier.state, scope), None)
                return

    def _exited(self, event: dict, scope: Scope, when: datetime.datetime, details: dict) -> None:
        visit = self.open_visits.pop((details.get("name", "?"), scope), None)
        if visit is None:
            return
        visit.exited, visit.output = when, details.get("output")
        visit.event_ids.append(event["id"])
        self.owner[event["id"]] = visit
        if visit.status == "running" and visit.failed:
            visit.status = "caught"  # exited after an error: a Catcher handled it
        elif visit.status == "running":
            visit.status = "retried" if visit.retries else "succeeded"


def _visit_event(visit: Visit, kind: str, when: datetime.datetime, details: dict) -> None:
    """An event inside a visit: its task's attempts, a Map run, or the state's own failure."""
    if kind in _SCHEDULED:
        visit.failed = False  # a retry: the earlier attempt's failure was not the end
        visit.attempts.append(
            Attempt(
                number=len(visit.attempts) + 1,
                resource=_resource(details),
                scheduled=when,
                parameters=details.get("parameters") or details.get("input"),
            )
        )
    elif kind in _STARTED and visit.attempts:
        visit.attempts[-1].started = when
    elif kind == "TaskSubmitted" and visit.attempts:
        visit.attempts[-1].submitted = details.get("output")
    elif kind in _SUCCEEDED and visit.attempts:
        attempt = visit.attempts[-1]
        attempt.ended, attempt.status = when, "succeeded"
        attempt.output = details.get("output")
        visit.failed, visit.error, visit.cause = False, None, None
    elif kind in _FAILED:
        if not visit.attempts:
            visit.attempts.append(Attempt(1, _resource(details), when))
        attempt = visit.attempts[-1]
        attempt.ended, attempt.status = when, _FAILED[kind]
        attempt.error, attempt.cause = details.get("error"), details.get("cause")
        visit.failed, visit.error, visit.cause = True, attempt.error, attempt.cause
    elif kind == "MapRunStarted":
        visit.map_run_arn = details.get("mapRunArn")
    elif kind in _STATE_FAILED:
        visit.failed = True
        visit.error, visit.cause = details.get("error"), details.get("cause")


def _finish(path: Path, visits: list[Visit]) -> None:
    """Settle visits still open when the history ends."""
    for visit in visits:
        if visit.status != "running":
            continue
        if visit.failed:
            # A failure nothing caught: it ended its branch, its iteration or the execution.
            visit.status = "failed"
        elif path.status == "RUNNING":
            continue
        elif path.status == "TIMED_OUT":
            visit.status, visit.failed = "failed", True
            visit.error = visit.error or path.error or "States.Timeout"
            visit.cause = visit.cause or path.cause
        elif path.status == "FAILED" and visit.type in ("Parallel", "Map"):
            # A branch or iteration inside failed it.
            visit.status, visit.failed = "failed", True
            visit.error, visit.cause = visit.error or path.error, visit.cause or path.cause
        else:
            visit.status = "aborted"
    if path.status == "FAILED":
        # A Fail state carries the execution's error and cause.
        for visit in visits:
            if visit.type == "Fail" and visit.error is None:
                visit.error, visit.cause = path.error, path.cause


def _scope_of(
    event: dict, by_id: dict[int, dict], scopes: dict[int, Scope], open_iterations: list[Scope]
) -> Scope:
    previous = event.get("previousEventId")
    if previous in scopes:
        return scopes[previous]
    if previous in by_id:
        return ()
    # No usable chain: the innermost iteration still open is the best guess.
    return open_iterations[-1] if open_iterations else ()


def _outside(scope: Scope, map_state: str) -> Scope:
    """The scope around the given Map state's iterations."""
    for depth, (name, _) in enumerate(scope):
        if name == map_state:
            return scope[:depth]
    return scope


def _iteration_scope(scope: Scope, details: dict) -> Scope:
    """The scope an iteration-end event closes: its chain leads from inside the iteration."""
    name, index = details.get("name", ""), int(details.get("index", -1))
    for depth in range(len(scope), 0, -1):
        if scope[depth - 1] == (name, index):
            return scope[:depth]
    return (*scope, (name, index))


def _current_visit(
    open_visits: dict[tuple[str, Scope], Visit], scope: Scope, visits: list[Visit]
) -> Visit | None:
    for visit in reversed(visits):
        if visit.scope == scope and open_visits.get((visit.state, scope)) is visit:
            return visit
    return None


def _details(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _resource(details: dict) -> str:
    resource = details.get("resource", "")
    resource_type = details.get("resourceType", "")
    if resource_type and not resource.startswith("arn:"):
        return f"arn:aws:states:::{resource_type}:{resource}"
    return resource


def _as_datetime(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, int | float):
        return datetime.datetime.fromtimestamp(value, datetime.UTC)
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _millis(start: datetime.datetime | None, end: datetime.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() * 1000
