"""The entry point every check goes through: the mode decides whether a refusal stops the call,
each denial and each action used is journalled, a service acting as itself is judged by the
resource policy alone, and each resource is judged with its own policy."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from localcloud.iam import enforcement
from localcloud.iam.actions import Authorisation
from localcloud.iam.enforcement import Mode, authorise, configure
from localcloud.iam.evaluation import Decision
from localcloud.iam.policies import Policy, ResourcePolicy

ACCOUNT = "000000000000"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/payroll-process/process-data"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/payroll-runs"
OTHER_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/audit"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:comms-retry"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:operations"


class Policies:
    def __init__(self, identity: dict[str, Sequence[Policy]], resources: dict[str, ResourcePolicy]):
        self.identity = identity
        self.resources = resources

    def identity_policies(self, principal: str) -> Sequence[Policy]:
        return self.identity.get(principal, ())

    def resource_policy(self, resource: str, action: str) -> ResourcePolicy | None:
        return self.resources.get(resource)

    def resource_account(self, resource: str) -> str:
        return ""


class Journal:
    def __init__(self) -> None:
        self.denials: list[tuple[str, str, str, bool]] = []
        self.uses: list[tuple[str, str]] = []
        self.gaps: list[tuple[str, str, str]] = []

    def denied(self, decision: Decision, origin: str, enforced: bool) -> None:
        self.denials.append((decision.request.action, decision.resource, origin, enforced))

    def used(self, principal: str, action: str) -> None:
        self.uses.append((principal, action))

    def unmapped(self, principal: str, operation: str, origin: str) -> None:
        self.gaps.append((principal, operation, origin))


def allow(action: str, resource: str) -> Policy:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return Policy({"Version": "2012-10-17", "Statement": [statement]}, name="role/inline")


PUT_ALLOWED = Policies({SESSION: [allow("dynamodb:PutItem", TABLE)]}, {})


@pytest.fixture
def journal() -> Iterator[Journal]:
    journal = Journal()
    yield journal
    configure(enforcement.DEFAULT_MODE)


def test_enforce_returns_the_refusal_with_awss_message(journal: Journal) -> None:
    configure(Mode.ENFORCE, PUT_ALLOWED, journal)
    refusal = authorise(
        SESSION, [Authorisation("dynamodb:DeleteItem", [TABLE])], origin="dynamodb:DeleteItem"
    )
    assert refusal is not None and not refusal.allowed
    assert refusal.message == (
        f"User: {SESSION} is not authorized to perform: dynamodb:DeleteItem on resource: {TABLE} "
        "because no identity-based policy allows the dynamodb:DeleteItem action"
    )
    assert journal.denials == [("dynamodb:DeleteItem", TABLE, "dynamodb:DeleteItem", True)]


def test_allowed_actions_are_recorded_per_principal(journal: Journal) -> None:
    configure(Mode.ENFORCE, PUT_ALLOWED, journal)
    assert authorise(SESSION, [Authorisation("dynamodb:PutItem", [TABLE])], origin="x") is None
    assert journal.uses == [(SESSION, "dynamodb:PutItem")] and journal.denials == []


def test_report_mode_allows_but_journals_every_denial(journal: Journal) -> None:
    configure(Mode.REPORT, PUT_ALLOWED, journal)
    needed = [
        Authorisation("dynamodb:DeleteItem", [TABLE]),
        Authorisation("dynamodb:PutItem", [TABLE]),
        Authorisation("dynamodb:GetItem", [TABLE]),
    ]
    assert authorise(SESSION, needed, origin="task") is None
    assert [d[0] for d in journal.denials] == ["dynamodb:DeleteItem", "dynamodb:GetItem"]
    assert all(not enforced for *_, enforced in journal.denials)
    assert journal.uses == [(SESSION, "dynamodb:PutItem")]


def test_off_judges_and_records_nothing(journal: Journal) -> None:
    configure(Mode.OFF, PUT_ALLOWED, journal)
    assert authorise(SESSION, [Authorisation("dynamodb:DeleteItem", [TABLE])], origin="x") is None
    enforcement.record_unmapped(SESSION, "kms:Encrypt", "kms:Encrypt")
    assert journal.denials == journal.uses == journal.gaps == []


def test_each_resource_is_judged_with_its_own_policy(journal: Journal) -> None:
    """Two tables in one authorisation: the second's refusal is the answer."""
    policies = Policies({SESSION: [allow("dynamodb:BatchWriteItem", TABLE)]}, {})
    configure(Mode.ENFORCE, policies, journal)
    needed = [Authorisation("dynamodb:BatchWriteItem", [TABLE, OTHER_TABLE])]
    refusal = authorise(SESSION, needed, origin="x")
    assert refusal is not None and refusal.resource == OTHER_TABLE


def test_a_service_acting_as_itself_is_judged_by_the_resource_policy_alone(
    journal: Journal,
) -> None:
    queue_policy = ResourcePolicy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": QUEUE,
                    "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
                }
            ],
        },
        name=QUEUE,
    )
    configure(Mode.ENFORCE, Policies({}, {QUEUE: queue_policy}), journal)

    def delivery(source: str) -> list[Authorisation]:
        context = {"aws:SourceArn": source, "aws:SourceAccount": ACCOUNT}
        return [Authorisation("sqs:SendMessage", [QUEUE], context, "sns.amazonaws.com")]

    assert authorise(SESSION, delivery(TOPIC), origin="sns delivery") is None
    refusal = authorise(SESSION, delivery(f"{TOPIC}-other"), origin="sns delivery")
    assert refusal is not None
    assert refusal.message.startswith("User: sns.amazonaws.com is not authorized")
    assert journal.uses == [("sns.amazonaws.com", "sqs:SendMessage")]


def test_unmapped_calls_are_journalled(journal: Journal) -> None:
    configure(Mode.ENFORCE, PUT_ALLOWED, journal)
    enforcement.record_unmapped(SESSION, "kms:Encrypt", "kms:Encrypt")
    assert journal.gaps == [(SESSION, "kms:Encrypt", "kms:Encrypt")]


@pytest.mark.parametrize(("value", "mode"), [("", Mode.ENFORCE), ("Report", Mode.REPORT)])
def test_the_mode_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, mode: Mode
) -> None:
    monkeypatch.setenv("LOCAL_CLOUD_IAM", value)
    assert enforcement.mode_from_environment() is mode


def test_a_misspelt_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_CLOUD_IAM", "enforcing")
    with pytest.raises(ValueError, match="enforce, report, off"):
        enforcement.mode_from_environment()
