"""The one place the local cloud decides whether AWS would allow a principal what a request
needs: every check (the gateway's, a service acting for a role, a delivery) goes through
`authorise`, which gathers the policies, evaluates, journals each denial and each action used,
and refuses only in `enforce` mode.

    refusal = authorise(session_arn, needed, origin="sqs:SendMessage")
    if refusal:
        raise ... refusal.message

The mode is LOCAL_CLOUD_IAM (`enforce`, `report`: allowed but journalled as denied, `off`:
nothing judged or recorded), read at start. Where the policies come from (`PolicySource`) and
where the journal goes are set by the plugin (`configure`); the defaults judge nothing against
no policies, so the module stays pure and unit-testable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from localcloud.iam.actions import Authorisation
from localcloud.iam.evaluation import Decision, Request, evaluate
from localcloud.iam.policies import Policy, ResourcePolicy

LOG = logging.getLogger(__name__)

SETTING = "LOCAL_CLOUD_IAM"


class Mode(Enum):
    ENFORCE = "enforce"
    REPORT = "report"
    OFF = "off"


# The local cloud refuses what AWS refuses unless told otherwise (`report` to only record).
DEFAULT_MODE = Mode.ENFORCE


def mode_from_environment() -> Mode:
    """LOCAL_CLOUD_IAM, or the default; a misspelt mode stops the start (ValueError)."""
    value = os.environ.get(SETTING, "").strip().lower() or DEFAULT_MODE.value
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise ValueError(f"{SETTING}={value!r}: expected one of {choices}") from None


class PolicySource(Protocol):
    """The policies that speak for a principal and for a resource."""

    def identity_policies(self, principal: str) -> Sequence[Policy]:
        """The principal's identity policies (a session's are its role's); none for a service."""

    def resource_policy(self, resource: str, action: str) -> ResourcePolicy | None:
        """The policy of the resource an ARN names (a bucket's for its objects, a key's, a
        role's trust policy for sts:AssumeRole), or None."""

    def resource_account(self, resource: str) -> str:
        """The account owning a resource whose ARN names none (a bucket), or ""."""


class Journal(Protocol):
    """Where denials and used actions are written."""

    def denied(self, decision: Decision, origin: str, enforced: bool) -> None: ...

    def used(self, principal: str, action: str) -> None: ...

    def unmapped(self, principal: str, operation: str, origin: str) -> None: ...


class _NoPolicies:
    def identity_policies(self, principal: str) -> Sequence[Policy]:
        return ()

    def resource_policy(self, resource: str, action: str) -> ResourcePolicy | None:
        return None

    def resource_account(self, resource: str) -> str:
        return ""


class _LogOnly:
    def denied(self, decision: Decision, origin: str, enforced: bool) -> None:
        verdict = "denied" if enforced else "would deny"
        LOG.warning("IAM %s (%s): %s", verdict, origin, decision.message)

    def used(self, principal: str, action: str) -> None:
        pass

    def unmapped(self, principal: str, operation: str, origin: str) -> None:
        LOG.warning("IAM: no mapping for %s by %s (%s): allowed", operation, principal, origin)


@dataclass
class _Settings:
    mode: Mode
    policies: PolicySource
    journal: Journal


_settings = _Settings(DEFAULT_MODE, _NoPolicies(), _LogOnly())


def configure(
    mode: Mode, policies: PolicySource | None = None, journal: Journal | None = None
) -> None:
    """Set at start by the plugin (and by tests)."""
    global _settings
    _settings = _Settings(mode, policies or _NoPolicies(), journal or _LogOnly())


def current_mode() -> Mode:
    return _settings.mode


def authorise(principal: str, needed: list[Authorisation], *, origin: str) -> Decision | None:
    """None when `principal` may do all that is `needed` (or when the mode is report or off);
    otherwise the first refusing Decision, whose `.message` is AWS's AccessDenied message.
    An authorisation with `acting_as` is judged as that service principal. `origin` says what
    asked (an API call, a Step Functions task, a delivery) for the journal. In report mode every
    refusal is journalled; in enforce mode the first stops the check."""
    settings = _settings
    if settings.mode is Mode.OFF:
        return None
    enforced = settings.mode is Mode.ENFORCE
    for one in needed:
        who = one.acting_as or principal
        for decision in _decisions(settings.policies, who, one):
            if decision.allowed:
                settings.journal.used(who, one.action)
                continue
            settings.journal.denied(decision, origin, enforced)
            if enforced:
                return decision
    return None


def judged(principal: str, needed: list[Authorisation]) -> list[Decision]:
    """Each decision on what is `needed`, neither journalled nor refused: for a caller that
    only some refusals stop (API Gateway before a Lambda authorizer: an explicit deny)."""
    policies = _settings.policies
    return [d for one in needed for d in _decisions(policies, one.acting_as or principal, one)]


def _decisions(policies: PolicySource, who: str, one: Authorisation) -> list[Decision]:
    """One decision per resource: each may have a policy of its own."""
    identity = () if one.acting_as else policies.identity_policies(who)
    return [
        evaluate(
            Request(who, one.action, [resource], dict(one.context)),
            identity,
            policies.resource_policy(resource, one.action),
            resource_account=policies.resource_account(resource),
        )
        for resource in one.resources or ["*"]
    ]


def record_unmapped(principal: str, operation: str, origin: str) -> None:
    """A call no mapping knows is allowed, in every mode but off, and journalled as unmapped so
    the gap shows in the report."""
    if _settings.mode is not Mode.OFF:
        _settings.journal.unmapped(principal, operation, origin)
