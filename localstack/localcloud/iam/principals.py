"""Who makes a request, read from the principal's ARN (or a service principal's name): its
account, the names a Principal element may call it by, and the condition keys AWS sets for it
("AWS global condition context keys: properties of the principal")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from localcloud.iam.conditions import ContextValue


@dataclass(frozen=True)
class Caller:
    """The principal of a request. `arn` is an IAM user's or the account root's ARN, an
    assumed-role session's (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), or, for
    a service, its principal name (`events.amazonaws.com`), with `service` set."""

    arn: str
    account: str
    role_arn: str = ""  # a session's role, with its path when the request context gave it
    service: str = ""
    root: bool = False

    @property
    def account_root(self) -> str:
        return f"arn:aws:iam::{self.account}:root"

    @property
    def names(self) -> frozenset[str]:
        """What a Principal element may name to mean this caller itself: a session is named by
        its own ARN or its role's ("AWS JSON policy elements: Principal", role sessions)."""
        own = {self.arn, self.role_arn} - {""}
        return frozenset(own | ({self.account, self.account_root} if self.root else set()))

    def context(self) -> dict[str, ContextValue]:
        """The principal's condition keys, which the request's own context may override."""
        if self.service:
            return {"aws:PrincipalServiceName": self.service, "aws:PrincipalIsAWSService": True}
        keys: dict[str, ContextValue] = {
            "aws:PrincipalArn": self.role_arn or self.arn,
            "aws:PrincipalAccount": self.account,
            # KMS names the caller's account so for every call on a key, direct or through a
            # service (an AWS-managed key's policy requires it).
            "kms:CallerAccount": self.account,
            "aws:PrincipalIsAWSService": False,
            "aws:PrincipalType": _principal_type(self),
        }
        if ":user/" in self.arn:
            keys["aws:username"] = self.arn.rsplit("/", 1)[1]
        return keys


def _principal_type(caller: Caller) -> str:
    if caller.root:
        return "Account"
    return "AssumedRole" if caller.role_arn else "User"


def caller_of(principal: str, context: Mapping[str, ContextValue]) -> Caller:
    """The Caller a principal string names; a session's role ARN is taken from the context's
    aws:PrincipalArn when given (it carries the role's path, which the session ARN drops)."""
    if not principal.startswith("arn:"):
        return Caller(arn=principal, account="", service=principal)
    parts = principal.split(":", 5)
    if len(parts) != 6:
        raise ValueError(f"not a principal ARN: {principal!r}")
    account, resource = parts[4], parts[5]
    if resource.startswith("assumed-role/"):
        role_name = resource.split("/")[1]
        given = {k.lower(): v for k, v in context.items()}.get("aws:principalarn")
        role_arn = given if isinstance(given, str) else f"arn:aws:iam::{account}:role/{role_name}"
        return Caller(arn=principal, account=account, role_arn=role_arn)
    return Caller(arn=principal, account=account, root=resource == "root")
