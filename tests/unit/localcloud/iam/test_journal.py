"""The IAM journal: one line per denial with what the report and a reader need, each action a
role used written once, each unmapped operation once, and files emptied at start."""

from __future__ import annotations

import json
from pathlib import Path

from localcloud.iam import attribution
from localcloud.iam.evaluation import Request, evaluate
from localcloud.iam.journal import FileJournal, role_of

SESSION = "arn:aws:sts::000000000000:assumed-role/payroll-process/process-data"
ROLE = "arn:aws:iam::000000000000:role/payroll-process"
TABLE = "arn:aws:dynamodb:us-east-1:000000000000:table/payroll-runs"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_session_is_recorded_as_its_role() -> None:
    assert role_of(SESSION) == ROLE
    assert role_of("sns.amazonaws.com") == "sns.amazonaws.com"


def test_a_denial_is_one_line_with_principal_action_resource_reason_and_origin(
    tmp_path: Path,
) -> None:
    journal = FileJournal(tmp_path)
    decision = evaluate(Request(SESSION, "dynamodb:PutItem", [TABLE]), [])

    journal.denied(decision, "dynamodb:PutItem", enforced=True)

    (line,) = lines(tmp_path / "iam-denials.jsonl")
    assert {k: v for k, v in line.items() if k != "time"} == {
        "principal": SESSION,
        "role": ROLE,
        "action": "dynamodb:PutItem",
        "resource": TABLE,
        "reason": "because no identity-based policy allows the dynamodb:PutItem action",
        "origin": "dynamodb:PutItem",
        "enforced": True,
        "message": decision.message,
    }


def test_uses_and_unmapped_operations_are_written_once(tmp_path: Path) -> None:
    journal = FileJournal(tmp_path)
    for _ in range(3):
        journal.used(SESSION, "dynamodb:GetItem")
        journal.unmapped(SESSION, "kms:Encrypt", "kms:Encrypt")
    journal.used(SESSION, "dynamodb:PutItem")

    assert lines(tmp_path / "iam-used.jsonl") == [
        {"role": ROLE, "action": "dynamodb:GetItem"},
        {"role": ROLE, "action": "dynamodb:PutItem"},
    ]
    assert lines(tmp_path / "iam-unmapped.jsonl") == [
        {"role": ROLE, "operation": "kms:Encrypt", "origin": "kms:Encrypt"}
    ]


def test_a_new_journal_starts_empty(tmp_path: Path) -> None:
    FileJournal(tmp_path).used(SESSION, "dynamodb:GetItem")
    FileJournal(tmp_path)
    assert (tmp_path / "iam-used.jsonl").read_text() == ""


def test_a_denial_names_the_lambda_invocation_whose_trace_it_was_sent_with(
    tmp_path: Path,
) -> None:
    journal = FileJournal(tmp_path)
    decision = evaluate(Request(SESSION, "dynamodb:PutItem", [TABLE]), [])
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    # the header as the function's SDK sends it: the same fields, in another order
    header = "Sampled=1;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793"
    with attribution.invocation_running(trace, "request-1"), attribution.called_with(header):
        journal.denied(decision, "dynamodb:PutItem", enforced=True)
    with attribution.called_with(trace):  # the invocation has ended: nothing to name
        journal.denied(decision, "dynamodb:PutItem", enforced=True)

    first, second = lines(tmp_path / "iam-denials.jsonl")
    assert first["lambdaRequestId"] == "request-1"
    assert "lambdaRequestId" not in second
    assert attribution.recent_denials("no execution", {"request-1"}) == [first]


def test_a_denial_names_the_state_whose_own_call_it_was(tmp_path: Path) -> None:
    journal = FileJournal(tmp_path)
    decision = evaluate(Request(SESSION, "dynamodb:PutItem", [TABLE]), [])
    execution = "arn:aws:states:us-east-1:000000000000:execution:payroll:run-1"

    with attribution.state_running(execution, "SaveRun", 3):
        journal.denied(decision, "dynamodb:PutItem", enforced=True)

    (line,) = lines(tmp_path / "iam-denials.jsonl")
    assert (line["execution"], line["state"], line["mapIndex"]) == (execution, "SaveRun", 3)
    assert attribution.recent_denials(execution, set()) == [line]
