"""The path an execution took, rebuilt from histories in GetExecutionHistory's shape."""

from __future__ import annotations

import datetime

from localcloud.console import history

T0 = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)


class History:
    """Builds a history event by event; each event follows the previous one unless told."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, kind: str, after: int | None = None, at_ms: int | None = None, **details):
        event_id = len(self.events) + 1
        key = _details_key(kind)
        event = {
            "id": event_id,
            "previousEventId": after if after is not None else event_id - 1,
            "type": kind,
            "timestamp": T0
            + datetime.timedelta(milliseconds=event_id * 100 if at_ms is None else at_ms),
        }
        if key:
            event[key] = details
        self.events.append(event)
        return event_id

    def task(self, name: str, *outcomes: str, after: int | None = None) -> int:
        """A Task state: one attempt per outcome ("ok" or an error name); returns last id."""
        self.add("TaskStateEntered", after, name=name, input='{"n": 1}')
        for outcome in outcomes:
            self.add("TaskScheduled", resourceType="lambda", resource="invoke",
                     parameters='{"FunctionName": "f"}')  # fmt: skip
            self.add("TaskStarted", resourceType="lambda", resource="invoke")
            if outcome == "ok":
                self.add("TaskSucceeded", output='{"Payload": 1}')
                return self.add("TaskStateExited", name=name, output='{"Payload": 1}')
            self.add("TaskFailed", error=outcome, cause=f"{outcome} happened")
        return len(self.events)


def _details_key(kind: str) -> str | None:
    if kind.endswith("StateEntered"):
        return "stateEnteredEventDetails"
    if kind.endswith("StateExited"):
        return "stateExitedEventDetails"
    if kind in ("MapStateSucceeded", "ParallelStateStarted", "ParallelStateSucceeded"):
        return None
    return kind[0].lower() + kind[1:] + "EventDetails"


def test_a_succeeded_run_marks_each_state_it_passed_succeeded():
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("PassStateEntered", name="Start", input="{}")
    h.add("PassStateExited", name="Start", output='{"a": 1}')
    h.task("Work", "ok")
    h.add("SucceedStateEntered", name="Done", input="{}")
    h.add("SucceedStateExited", name="Done", output="{}")
    h.add("ExecutionSucceeded", output="{}")
    # WHEN the path is rebuilt
    path = history.reconstruct(h.events)
    # THEN every state it passed succeeded, in order, with its input, output and attempt
    assert path.status == "SUCCEEDED"
    assert [(v.state, v.status) for v in path.visits] == [
        ("Start", "succeeded"), ("Work", "succeeded"), ("Done", "succeeded"),
    ]  # fmt: skip
    work = path.visits_of("Work")[0]
    assert (work.input, work.output) == ('{"n": 1}', '{"Payload": 1}')
    assert [a.status for a in work.attempts] == ["succeeded"]
    assert work.attempts[0].resource == "arn:aws:states:::lambda:invoke"
    assert path.state_status("Elsewhere") == "not reached"
    assert path.transitions() == 3


def test_a_retried_task_keeps_each_attempt_and_its_error():
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.task("Work", "Flaky", "Flaky", "ok")
    h.add("ExecutionSucceeded", output="{}")
    path = history.reconstruct(h.events)
    [work] = path.visits
    assert work.status == "retried"
    assert [(a.number, a.status, a.error) for a in work.attempts] == [
        (1, "failed", "Flaky"), (2, "failed", "Flaky"), (3, "succeeded", None),
    ]  # fmt: skip
    assert work.error is None
    # AND each retry is a billed transition
    assert path.transitions() == 3


def test_a_caught_error_is_told_apart_from_a_failure():
    # GIVEN a task whose error a Catcher sends to Recover; then a Fail state
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.task("Work", "Boom")
    h.add("PassStateEntered", name="Recover", input='{"Error": "Boom"}')
    h.add("PassStateExited", name="Recover", output="{}")
    h.add("FailStateEntered", name="GiveUp", input="{}")
    h.add("ExecutionFailed", error="GaveUp", cause="nothing left to try")
    path = history.reconstruct(h.events, catch_targets={"Work": {"Recover"}})
    assert path.status == "FAILED"
    statuses = {v.state: v.status for v in path.visits}
    assert statuses == {"Work": "caught", "Recover": "succeeded", "GiveUp": "failed"}
    work = path.visits_of("Work")[0]
    assert (work.error, work.cause) == ("Boom", "Boom happened")
    give_up = path.visits_of("GiveUp")[0]
    assert (give_up.error, give_up.cause) == ("GaveUp", "nothing left to try")
    # AND the transitions made are read from the event chain, the Catcher's included
    assert path.taken == {("Work", "Recover"), ("Recover", "GiveUp")}


def test_a_caught_error_when_the_state_is_exited_with_the_error_output():
    # LocalStack (like AWS) exits a Task whose error a Catcher handled
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("TaskStateEntered", name="Work", input="{}")
    h.add("LambdaFunctionScheduled", resource="arn:aws:lambda:us-east-1:1:function:f", input="{}")
    h.add("LambdaFunctionStarted")
    h.add("LambdaFunctionFailed", error="ValueError", cause="bad")
    h.add("TaskStateExited", name="Work", output='{"Error": "ValueError"}')
    h.add("PassStateEntered", name="Skip", input="{}")
    h.add("PassStateExited", name="Skip", output="{}")
    h.add("ExecutionSucceeded", output="{}")
    path = history.reconstruct(h.events)
    assert [v.status for v in path.visits] == ["caught", "succeeded"]
    assert path.visits[0].attempts[0].resource == "arn:aws:lambda:us-east-1:1:function:f"


def test_an_uncaught_failure_fails_the_state_and_the_run():
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.task("Work", "Flaky", "Boom")
    h.add("ExecutionFailed", error="Boom", cause="Boom happened")
    path = history.reconstruct(h.events)
    [work] = path.visits
    assert (work.status, work.error, work.retries) == ("failed", "Boom", 1)
    assert path.state_status("Work") == "failed"
    assert (path.error, path.cause) == ("Boom", "Boom happened")


def test_concurrent_map_iterations_stay_apart_by_their_event_chains():
    # GIVEN two iterations whose events interleave; iteration 1 fails and is caught inside
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("MapStateEntered", name="Each", input="[1, 2]")
    started = h.add("MapStateStarted", length=2)
    i0 = h.add("MapIterationStarted", after=started, name="Each", index=0)
    i1 = h.add("MapIterationStarted", after=started, name="Each", index=1)
    e0 = h.add("TaskStateEntered", after=i0, name="Work", input="1")
    e1 = h.add("TaskStateEntered", after=i1, name="Work", input="2")
    s1 = h.add("TaskScheduled", after=e1, resourceType="lambda", resource="invoke")
    s0 = h.add("TaskScheduled", after=e0, resourceType="lambda", resource="invoke")
    f1 = h.add("TaskFailed", after=s1, error="Bad", cause="item 2")
    ok0 = h.add("TaskSucceeded", after=s0, output="1")
    x0 = h.add("TaskStateExited", after=ok0, name="Work", output="1")
    x1 = h.add("TaskStateExited", after=f1, name="Work", output='{"Error": "Bad"}')
    p1 = h.add("PassStateEntered", after=x1, name="Skip", input="{}")
    q1 = h.add("PassStateExited", after=p1, name="Skip", output="{}")
    h.add("MapIterationSucceeded", after=x0, name="Each", index=0)
    last = h.add("MapIterationSucceeded", after=q1, name="Each", index=1)
    h.add("MapStateSucceeded", after=last)
    h.add("MapStateExited", name="Each", output="[1, {}]")
    h.add("ExecutionSucceeded", output="[1, {}]")
    path = history.reconstruct(h.events, catch_targets={"Work": {"Skip"}})
    # THEN each iteration's visits carry their own scope and status
    by_scope = {(v.state, v.scope): v.status for v in path.visits}
    assert by_scope == {
        ("Each", ()): "succeeded",
        ("Work", (("Each", 0),)): "succeeded",
        ("Work", (("Each", 1),)): "caught",
        ("Skip", (("Each", 1),)): "succeeded",
    }
    assert [(i.index, i.status) for i in path.iterations] == [(0, "succeeded"), (1, "succeeded")]
    assert path.state_status("Work") == "caught"


def test_sequential_iterations_chained_through_the_previous_one_are_not_nested():
    # LocalStack chains iteration n+1's start to iteration n's last event
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("MapStateEntered", name="Each", input="[1, 2]")
    h.add("MapStateStarted", length=2)
    h.add("MapIterationStarted", name="Each", index=0)
    last0 = h.task("Work", "ok")
    h.add("MapIterationSucceeded", after=last0, name="Each", index=0)
    h.add("MapIterationStarted", after=last0, name="Each", index=1)
    last1 = h.task("Work", "Bad")
    h.add("MapIterationFailed", after=last1, name="Each", index=1)
    h.add("MapStateFailed", error="Bad", cause="item 2")
    h.add("ExecutionFailed", error="Bad", cause="item 2")
    path = history.reconstruct(h.events)
    assert [(v.state, v.scope, v.status) for v in path.visits] == [
        ("Each", (), "failed"),
        ("Work", (("Each", 0),), "succeeded"),
        ("Work", (("Each", 1),), "failed"),
    ]
    assert [(i.index, i.status) for i in path.iterations] == [(0, "succeeded"), (1, "failed")]


def test_parallel_branches_a_failed_branch_fails_the_parallel_and_the_other_is_aborted():
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("ParallelStateEntered", name="Checks", input="{}")
    started = h.add("ParallelStateStarted")
    h.add("TaskStateEntered", after=started, name="Slow", input="{}")
    h.add("TaskScheduled", resourceType="lambda", resource="invoke")
    h.task("Quick", "Boom", after=started)
    h.add("ParallelStateFailed", error="Boom", cause="Boom happened")
    h.add("ExecutionFailed", error="Boom", cause="Boom happened")
    path = history.reconstruct(h.events)
    assert {v.state: v.status for v in path.visits} == {
        "Checks": "failed", "Slow": "aborted", "Quick": "failed",
    }  # fmt: skip
    assert path.visits_of("Checks")[0].error == "Boom"


def test_a_running_execution_shows_the_state_it_is_in():
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.add("PassStateEntered", name="First", input="{}")
    h.add("PassStateExited", name="First", output="{}")
    h.add("WaitStateEntered", name="Pause", input="{}")
    path = history.reconstruct(h.events)
    assert path.status == "RUNNING"
    assert path.state_status("Pause") == "running"
    assert path.stopped is None


def test_timed_out_and_aborted_executions_settle_the_open_state():
    for end, status, expected in (
        ("ExecutionTimedOut", "TIMED_OUT", "failed"),
        ("ExecutionAborted", "ABORTED", "aborted"),
    ):
        h = History()
        h.add("ExecutionStarted", after=0, input="{}")
        h.add("WaitStateEntered", name="Pause", input="{}")
        h.add(end, error="States.Timeout" if "Timed" in end else None, cause=None)
        path = history.reconstruct(h.events)
        assert path.status == status
        assert path.state_status("Pause") == expected


def test_durations_come_from_the_event_timestamps():
    h = History()
    h.add("ExecutionStarted", after=0, at_ms=0, input="{}")
    h.add("PassStateEntered", at_ms=100, name="A", input="{}")
    h.add("PassStateExited", at_ms=350, name="A", output="{}")
    h.add("ExecutionSucceeded", at_ms=400, output="{}")
    path = history.reconstruct(h.events)
    assert path.visits[0].duration_ms == 250
    assert (path.stopped - path.started).total_seconds() == 0.4


def test_a_redriven_run_shows_the_failed_state_run_again():
    # GIVEN a run whose task failed, then was redriven from that task, which succeeded
    h = History()
    h.add("ExecutionStarted", after=0, input="{}")
    h.task("Work", "Boom")
    h.add("ExecutionFailed", error="Boom", cause="Boom happened")
    h.add("ExecutionRedriven", redriveCount=1)
    h.task("Work", "ok")
    h.add("ExecutionSucceeded", output="{}")
    # WHEN the path is rebuilt
    path = history.reconstruct(h.events)
    # THEN the run succeeded, the task's failed visit counts as retried, its second succeeded
    assert (path.status, path.error) == ("SUCCEEDED", None)
    assert [v.status for v in path.visits_of("Work")] == ["retried", "succeeded"]
    assert path.state_status("Work") == "retried"
