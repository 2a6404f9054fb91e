"""Whether AWS would allow a request, judged from the caller's identity policies and the
resource's policy as the IAM User Guide's "Policy evaluation logic" describes it, and the
AccessDenied message AWS writes when it would not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from localcloud.iam.conditions import Context, ContextValue
from localcloud.iam.policies import (
    Effect,
    Policy,
    Reach,
    ResourcePolicy,
    Statement,
)
from localcloud.iam.principals import Caller, caller_of

IDENTITY_BASED = "identity-based"
RESOURCE_BASED = "resource-based"


@dataclass(frozen=True)
class Request:
    """One authorisation: who (`principal`, an ARN or a service principal's name), what
    (`action` as IAM spells it, "dynamodb:PutItem"), on which resources (ARNs, or "*"), and
    the condition keys of the request by their IAM names ("aws:SourceArn")."""

    principal: str
    action: str
    resources: list[str]
    context: dict[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The answer for a request: allowed or not, the resource it is about (the first refused),
    AWS's reason (empty when allowed) and the statement that decided, with its policy (none for
    an implicit deny, or for the account root, whom no policy needs to allow)."""

    allowed: bool
    request: Request
    resource: str
    reason: str = ""
    policy: Policy | None = None
    statement: dict[str, Any] | None = None

    @property
    def message(self) -> str:
        """The AccessDenied message AWS writes for this refusal."""
        return access_denied_message(
            self.request.principal, self.request.action, self.resource, self.reason
        )


def access_denied_message(principal: str, action: str, resource: str, reason: str) -> str:
    """`User: <principal> is not authorized to perform: <action> on resource: <arn> <reason>`;
    an action on no particular resource ("*") names none ("Troubleshoot access denied error
    messages")."""
    target = "" if resource in ("", "*") else f" on resource: {resource}"
    return f"User: {principal} is not authorized to perform: {action}{target} {reason}"


def no_policy_allows(policy_type: str, action: str) -> str:
    """The reason of an implicit deny: no policy of that type allows the action."""
    return f"because no {policy_type} policy allows the {action} action"


# How the reason of every explicit deny begins.
EXPLICIT_DENY_PREFIX = "with an explicit deny"


def explicit_deny_in(policy_type: str) -> str:
    """The reason of an explicit deny by a policy of that type."""
    article = "an" if policy_type == IDENTITY_BASED else "a"
    return f"{EXPLICIT_DENY_PREFIX} in {article} {policy_type} policy"


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    resource_policy: ResourcePolicy | None = None,
    *,
    resource_account: str = "",
) -> Decision:
    """The decision for every resource of the request, all of which must be allowed; the first
    refusal is the answer. `resource_policy` is the policy of the resource the request's ARNs
    belong to (a bucket's for its objects; a key's or a role's is always given, as every key and
    role has one). `resource_account` owns resources whose ARN names no account (S3).
    InvalidPolicy for a document IAM would have refused. Permissions boundaries, session
    policies and organisation policies are not judged: the project uses none."""
    caller = caller_of(request.principal, request.context)
    judge = _Judge(
        request,
        caller,
        Context(caller.context() | request.context),
        identity_policies,
        resource_policy,
    )
    decisions = [
        judge(resource, _account_of(resource) or resource_account or caller.account)
        for resource in request.resources or ["*"]
    ]
    return next((d for d in decisions if not d.allowed), decisions[0])


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


@dataclass(frozen=True)
class _Found:
    """The statements of one kind of policy that apply to a request."""

    deny: tuple[Policy, Statement] | None = None
    allow: tuple[Policy, Statement] | None = None
    reach: Reach = Reach.NONE


@dataclass(frozen=True)
class _Judge:
    """One request's policies, judging it resource by resource."""

    request: Request
    caller: Caller
    context: Context
    identity_policies: Sequence[Policy]
    resource_policy: ResourcePolicy | None

    def __call__(self, resource: str, owner: str) -> Decision:
        """One resource's decision ("Policy evaluation logic"; "Cross-account policy evaluation
        logic"): an explicit deny in any policy wins, then the rule of who must allow."""
        action = self.request.action
        # A service principal has no identity policies: only the resource's policy speaks for it.
        by_identity = (
            _Found()
            if self.caller.service
            else _identity_statements(action, resource, self.context, self.identity_policies)
        )
        by_resource = _resource_statements(
            action, resource, self.context, self.caller, self.resource_policy
        )

        def refused(reason: str, found: tuple[Policy, Statement] | None = None) -> Decision:
            return _decision(False, self.request, resource, reason, found)

        if by_identity.deny:
            return refused(explicit_deny_in(IDENTITY_BASED), by_identity.deny)
        if by_resource.deny:
            return refused(explicit_deny_in(RESOURCE_BASED), by_resource.deny)
        needed = _who_must_allow(self.caller, owner, self.resource_policy, by_identity, by_resource)
        if needed:
            return refused(no_policy_allows(needed, action))
        granting = by_resource.allow if by_resource.reach is Reach.DIRECT else by_identity.allow
        return _decision(True, self.request, resource, "", granting or by_resource.allow)


def _who_must_allow(
    caller: Caller,
    owner: str,
    resource_policy: ResourcePolicy | None,
    by_identity: _Found,
    by_resource: _Found,
) -> str:
    """The kind of policy whose allow is missing, or "" when the request is allowed.

    - A service principal is judged by the resource policy alone.
    - Within one account, an allow in either kind suffices, but a key policy or a role's trust
      policy must allow itself: by naming the caller, or by naming the account, which leaves
      the decision to the caller's identity policies.
    - Across accounts, both must allow (the resource policy may name the account)."""
    if caller.service:
        return "" if by_resource.reach is Reach.DIRECT else RESOURCE_BASED
    identity_allows = caller.root or by_identity.allow is not None
    if caller.account != owner:
        if not identity_allows:
            return IDENTITY_BASED
        return "" if by_resource.allow else RESOURCE_BASED
    if resource_policy is not None and resource_policy.must_allow and not by_resource.allow:
        return RESOURCE_BASED
    if by_resource.reach is Reach.DIRECT or identity_allows:
        return ""
    return IDENTITY_BASED


def _identity_statements(
    action: str, resource: str, context: Context, policies: Sequence[Policy]
) -> _Found:
    """The first Deny and the first Allow among the identity policies' statements that apply."""
    allow = None
    for policy in policies:
        for statement in policy.statements:
            if not statement.covers(action, resource, context):
                continue
            if statement.effect is Effect.DENY:
                return _Found(deny=(policy, statement))
            allow = allow or (policy, statement)
    return _Found(allow=allow)


def _resource_statements(
    action: str, resource: str, context: Context, caller: Caller, policy: ResourcePolicy | None
) -> _Found:
    """The first Deny and the Allow that names the caller most closely, among the statements of
    the resource policy whose principal is the caller and which apply."""
    found = _Found()
    for statement in policy.statements if policy else ():
        reach = statement.reach(caller)
        if reach is Reach.NONE or not statement.covers(action, resource, context):
            continue
        if statement.effect is Effect.DENY:
            return _Found(deny=(policy, statement))
        if reach.value > found.reach.value:
            found = _Found(allow=(policy, statement), reach=reach)
    return found


def _decision(
    allowed: bool,
    request: Request,
    resource: str,
    reason: str,
    found: tuple[Policy, Statement] | None,
) -> Decision:
    policy, statement = found if found else (None, None)
    return Decision(
        allowed=allowed,
        request=request,
        resource=resource,
        reason=reason,
        policy=policy,
        statement=dict(statement.raw) if statement else None,
    )
