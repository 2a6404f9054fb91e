"""make iam-report's reading of the IAM journal and of a role's grants: what is granted but
never used, what was denied, and calls allowed unjudged."""

from __future__ import annotations

import json
from pathlib import Path

from devkit.iam_report import granted_actions, never_used, read_journal, report

ROLE = "arn:aws:iam::000000000000:role/payroll-process"


def write_lines(path: Path, entries: list[dict]) -> None:
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))


def test_a_grant_is_used_when_a_used_action_matches_its_pattern() -> None:
    granted = granted_actions(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"]},
                    {"Effect": "Allow", "Action": "s3:*Object"},
                    {"Effect": "Deny", "Action": "s3:DeleteObject"},
                    {"Effect": "Allow", "NotAction": "iam:*"},
                ]
            }
        ]
    )
    assert granted == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "s3:*Object",
        "(every action but iam:*)",
    ]
    assert never_used(granted, {"dynamodb:getitem", "s3:GetObject"}) == ["dynamodb:PutItem"]


def test_the_report_lists_unused_grants_denials_and_unmapped_calls(tmp_path: Path) -> None:
    write_lines(tmp_path / "iam-used.jsonl", [{"role": ROLE, "action": "dynamodb:GetItem"}])
    denial = {
        "role": ROLE,
        "action": "sqs:SendMessage",
        "resource": "arn:aws:sqs:us-east-1:000000000000:retry",
        "origin": "sqs:SendMessage",
    }
    write_lines(tmp_path / "iam-denials.jsonl", [denial, denial])
    write_lines(
        tmp_path / "iam-unmapped.jsonl",
        [{"role": ROLE, "operation": "kms:Encrypt", "origin": "kms:Encrypt"}],
    )
    journal = read_journal(tmp_path)
    roles = [
        {"RoleName": "payroll-process", "Arn": "arn:aws:iam::000000000000:role/app/payroll-process"}
    ]
    document = {"Statement": {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Scan"]}}
    grants = {"payroll-process": granted_actions([json.loads(json.dumps(document))])}

    text = report(roles, grants, journal)

    assert text.splitlines() == [
        "payroll-process",
        "  used: dynamodb:GetItem",
        "  granted, never used: dynamodb:Scan",
        f"  denied: sqs:SendMessage on {denial['resource']} (sqs:SendMessage) x2",
        "  unmapped (allowed unjudged): kms:Encrypt",
    ]
