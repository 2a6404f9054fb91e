"""Policy documents parsed once into statements, and whether a statement applies to a request:
its action, resource and principal matched with IAM's wildcards, its conditions held
("IAM JSON policy element reference")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from localcloud.iam.conditions import (
    Condition,
    Context,
    InvalidPolicy,
    parse_conditions,
    substitute,
    wildcards,
)
from localcloud.iam.principals import Caller

VARIABLES_VERSION = "2012-10-17"  # the policy language version that reads ${...} variables


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class Reach(Enum):
    """How a resource policy statement names the caller ("Specifying a principal"): by its own
    identity (a user, role, session, service, or "*"), or only through its account, which
    delegates the decision to the account's identity policies."""

    NONE = 0
    ACCOUNT = 1
    DIRECT = 2


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, its lists as tuples; `raw` is the statement as written."""

    effect: Effect
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Mapping[str, tuple[str, ...]] | None
    not_principals: Mapping[str, tuple[str, ...]] | None
    conditions: tuple[Condition, ...]
    variables: bool
    raw: Mapping[str, Any] = field(compare=False)

    def covers(self, action: str, resource: str, context: Context) -> bool:
        """Whether the statement's action, resource and conditions apply (principals apart)."""
        return (
            self._covers_action(action)
            and self._covers_resource(resource, context)
            and all(condition.holds(context) for condition in self.conditions)
        )

    def _covers_action(self, action: str) -> bool:
        """Action names ignore case ("IAM JSON policy elements: Action")."""
        if self.actions is not None:
            return wildcards(self.actions, True).fullmatch(action) is not None
        return wildcards(self.not_actions or (), True).fullmatch(action) is None

    def _covers_resource(self, resource: str, context: Context) -> bool:
        """ARNs keep their case; a statement of a trust policy names no resource and covers the
        role it belongs to ("IAM JSON policy elements: Resource", "NotResource")."""
        if self.resources is None and self.not_resources is None:
            return True
        if self.resources is not None:
            return self._any_resource_matches(self.resources, resource, context)
        return not self._any_resource_matches(self.not_resources or (), resource, context)

    def _any_resource_matches(
        self, patterns: tuple[str, ...], resource: str, context: Context
    ) -> bool:
        """Patterns with policy variables take the request's values first; one that names a
        value the request lacks matches nothing."""
        if self.variables and any("${" in p for p in patterns):
            substituted = (substitute(p, context) for p in patterns)
            patterns = tuple(p for p in substituted if p is not None)
        return bool(patterns) and wildcards(patterns).fullmatch(resource) is not None

    def reach(self, caller: Caller) -> Reach:
        """How this resource-policy statement names the caller ("Principal", "NotPrincipal")."""
        if self.principals is not None:
            return _reach(self.principals, caller)
        if self.not_principals is not None:
            return Reach.NONE if _excepted(self.not_principals, caller) else Reach.DIRECT
        return Reach.NONE


def _reach(principals: Mapping[str, tuple[str, ...]], caller: Caller) -> Reach:
    """The closest way the Principal element names the caller."""
    if "*" in principals.get("*", ()) or "*" in principals.get("AWS", ()):
        return Reach.DIRECT
    if caller.service:
        return Reach.DIRECT if caller.service in principals.get("Service", ()) else Reach.NONE
    names = principals.get("AWS", ())
    if any(name in caller.names for name in names):
        return Reach.DIRECT
    if caller.account in names or caller.account_root in names:
        return Reach.ACCOUNT
    return Reach.NONE


def _excepted(not_principals: Mapping[str, tuple[str, ...]], caller: Caller) -> bool:
    """Whether a NotPrincipal element spares the caller. AWS checks the caller's account, then
    its user or role (a session is spared through its role): both must be named ("AWS JSON
    policy elements: NotPrincipal")."""
    if caller.service:
        return caller.service in not_principals.get("Service", ())
    names = not_principals.get("AWS", ())
    account_named = caller.account in names or caller.account_root in names
    return account_named and (caller.root or any(name in caller.names for name in names))


@dataclass(frozen=True)
class Policy:
    """A policy document (a dict or its JSON text) and a name for logs and reports: the managed
    policy's ARN, or `<role>/<inline policy name>`."""

    document: Mapping[str, Any] | str
    name: str = ""

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        """The statements, parsed at first use; InvalidPolicy for a document IAM would refuse."""
        document = self.document
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError as error:
                raise InvalidPolicy(f"policy {self.name!r} is not JSON: {error}") from error
        if not isinstance(document, Mapping):
            raise InvalidPolicy(f"policy {self.name!r} must be a JSON object")
        variables = document.get("Version") == VARIABLES_VERSION
        raw = document.get("Statement", [])
        return tuple(parse_statement(s, variables) for s in _listed(raw))


class ResourcePolicyKind(Enum):
    """The kind of resource policy, which decides how it combines with identity policies
    ("Policy evaluation for requests within a single account")."""

    RESOURCE = "resource"  # a bucket, queue, topic, function, secret or API policy
    KEY = "key"  # a KMS key policy: it must allow, directly or through the account
    TRUST = "trust"  # a role's trust policy: the same rule as a key policy


@dataclass(frozen=True)
class ResourcePolicy(Policy):
    kind: ResourcePolicyKind = ResourcePolicyKind.RESOURCE

    @property
    def must_allow(self) -> bool:
        return self.kind is not ResourcePolicyKind.RESOURCE


def parse_statement(raw: Any, variables: bool) -> Statement:
    """One statement as written, checked as IAM checks it when a policy is saved."""
    if not isinstance(raw, Mapping):
        raise InvalidPolicy(f"a Statement must be an object, not {raw!r}")
    try:
        effect = Effect(raw.get("Effect"))
    except ValueError:
        raise InvalidPolicy(f"a Statement's Effect must be Allow or Deny: {raw!r}") from None
    if ("Action" in raw) == ("NotAction" in raw):
        raise InvalidPolicy(f"a Statement needs one of Action or NotAction: {raw!r}")
    if "NotPrincipal" in raw and effect is Effect.ALLOW:
        raise InvalidPolicy(f"NotPrincipal is only for Deny statements: {raw!r}")
    return Statement(
        effect=effect,
        actions=_optional_list(raw, "Action"),
        not_actions=_optional_list(raw, "NotAction"),
        resources=_optional_list(raw, "Resource"),
        not_resources=_optional_list(raw, "NotResource"),
        principals=_principals(raw.get("Principal")),
        not_principals=_principals(raw.get("NotPrincipal")),
        conditions=parse_conditions(raw.get("Condition"), variables=variables),
        variables=variables,
        raw=raw,
    )


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _optional_list(raw: Mapping[str, Any], element: str) -> tuple[str, ...] | None:
    return tuple(str(v) for v in _listed(raw[element])) if element in raw else None


def _principals(value: Any) -> Mapping[str, tuple[str, ...]] | None:
    """{"AWS": (...), "Service": (...)}; "*" written alone is kept under "*"."""
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, Mapping):
        raise InvalidPolicy(f'a Principal must be "*" or an object, not {value!r}')
    return {kind: tuple(str(v) for v in _listed(names)) for kind, names in value.items()}
