"""devkit iam-report (make iam-report): least privilege, measured. For each role of the running
local cloud, what its policies grant that no call used, and what was denied to it, from the
journal IAM enforcement keeps in the instance's folder (localstack/localcloud/iam/journal.py)
since the local cloud started.

A grant is an action pattern of an Allow statement ("dynamodb:*", "s3:GetObject"); it counts as
used when an action the role was allowed matches it. Calls no mapping knows are listed apart:
they were allowed unjudged, so their grants may look unused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from devkit.local_cloud import client, instance_folder


@dataclass
class RoleUse:
    used: set[str] = field(default_factory=set)
    denied: Counter[str] = field(default_factory=Counter)
    unmapped: set[str] = field(default_factory=set)


def read_journal(folder: Path) -> dict[str, RoleUse]:
    """What the journal recorded, by role ARN (without its path)."""
    roles: dict[str, RoleUse] = {}

    def lines(name: str) -> Iterable[dict[str, Any]]:
        path = folder / name
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        return (json.loads(line) for line in text.splitlines() if line.strip())

    for entry in lines("iam-used.jsonl"):
        roles.setdefault(entry["role"], RoleUse()).used.add(entry["action"])
    for entry in lines("iam-denials.jsonl"):
        denial = f"{entry['action']} on {entry['resource']} ({entry['origin']})"
        roles.setdefault(entry["role"], RoleUse()).denied[denial] += 1
    for entry in lines("iam-unmapped.jsonl"):
        roles.setdefault(entry["role"], RoleUse()).unmapped.add(entry["operation"])
    return roles


def granted_actions(documents: Iterable[dict[str, Any]]) -> list[str]:
    """The action patterns the documents' Allow statements grant (NotAction ones marked)."""
    granted: list[str] = []
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                granted.append(f"(every action but {_listed(statement['NotAction'])})")
                continue
            granted += [a for a in _as_list(statement.get("Action", [])) if a not in granted]
    return granted


def never_used(granted: list[str], used: set[str]) -> list[str]:
    return [
        pattern
        for pattern in granted
        if not pattern.startswith("(")
        and not any(fnmatchcase(action.lower(), pattern.lower()) for action in used)
    ]


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _listed(value: Any) -> str:
    return ", ".join(_as_list(value))


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    return json.loads(text if text.lstrip().startswith("{") else unquote(text))


def role_documents(iam, role_name: str) -> list[dict[str, Any]]:
    """A role's identity policies: inline, then attached (customer or AWS managed)."""
    documents = []
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        found = iam.get_role_policy(RoleName=role_name, PolicyName=name)
        documents.append(_document(found["PolicyDocument"]))
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    for policy in attached:
        version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
        found = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)
        documents.append(_document(found["PolicyVersion"]["Document"]))
    return documents


def report(
    roles: list[dict[str, Any]], grants: dict[str, list[str]], journal: dict[str, RoleUse]
) -> str:
    lines: list[str] = []
    for role in roles:
        bare_arn = f"{role['Arn'].split(':role/')[0]}:role/{role['RoleName']}"
        use = journal.get(bare_arn, RoleUse())
        unused = never_used(grants[role["RoleName"]], use.used)
        lines.append(role["RoleName"])
        lines.append(f"  used: {', '.join(sorted(use.used)) or '(nothing recorded)'}")
        lines.append(f"  granted, never used: {', '.join(unused) or '-'}")
        for denial, times in sorted(use.denied.items()):
            lines.append(f"  denied: {denial}" + (f" x{times}" if times > 1 else ""))
        if use.unmapped:
            lines.append(f"  unmapped (allowed unjudged): {', '.join(sorted(use.unmapped))}")
    known = {f"{r['Arn'].split(':role/')[0]}:role/{r['RoleName']}" for r in roles}
    for principal, use in sorted(journal.items()):
        if principal not in known and use.denied:  # a service principal, or a deleted role
            lines.append(principal)
            lines += [
                f"  denied: {denial} x{times}" for denial, times in sorted(use.denied.items())
            ]
    return "\n".join(lines)


def main(arguments: list[str]) -> int:
    iam = client("iam")
    roles = [
        role
        for page in iam.get_paginator("list_roles").paginate()
        for role in page["Roles"]
        if not role["Path"].startswith("/aws-service-role/")
    ]
    grants = {
        role["RoleName"]: granted_actions(role_documents(iam, role["RoleName"])) for role in roles
    }
    folder = Path(arguments[0]) if arguments else instance_folder()
    print(report(roles, grants, read_journal(folder)))
    return 0
