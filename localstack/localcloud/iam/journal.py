"""What enforcement saw, as JSON lines in the instance's folder (LOCAL_CLOUD_HOME/<port>/), for
`make iam-report` and for whoever looks for a denial:

- `iam-denials.jsonl`: each refusal (or would-be refusal in report mode) with its principal,
  action, resource, AWS's reason and message, what asked (origin), whether it was enforced,
  and what the call was made for when known (`attribution`: the Lambda invocation's request id,
  or the Step Functions execution, state and Map index whose own call it was);
- `iam-used.jsonl`: each action a role (or service principal) was allowed, once per pair;
- `iam-unmapped.jsonl`: each operation no mapping knows, once per principal and operation
  (allowed: a gap in the mapping is made visible, not turned into a failure).

The files start empty with each start of the local cloud, as its log does. A use is written
once, the first time (a set look-up after that), so recording costs nothing on the hot path.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from localcloud.iam import attribution
from localcloud.iam.evaluation import Decision

LOG = logging.getLogger(__name__)

DENIALS = "iam-denials.jsonl"
USED = "iam-used.jsonl"
UNMAPPED = "iam-unmapped.jsonl"


def role_of(principal: str) -> str:
    """The role an assumed-role session belongs to (its ARN without the path, which the
    session's ARN does not carry); any other principal as it is."""
    if ":assumed-role/" not in principal:
        return principal
    prefix, rest = principal.split(":assumed-role/", 1)
    account = prefix.rsplit(":", 1)[1]
    return f"arn:aws:iam::{account}:role/{rest.split('/')[0]}"


class FileJournal:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._paths = {name: folder / name for name in (DENIALS, USED, UNMAPPED)}
        for path in self._paths.values():
            path.write_text("")
        self._lock = threading.Lock()
        self._used: set[tuple[str, str]] = set()
        self._unmapped: set[tuple[str, str]] = set()

    def denied(self, decision: Decision, origin: str, enforced: bool) -> None:
        request = decision.request
        verdict = "denied" if enforced else "would deny (report mode)"
        LOG.warning("IAM %s, %s: %s", verdict, origin, decision.message)
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "principal": request.principal,
            "role": role_of(request.principal),
            "action": request.action,
            "resource": decision.resource,
            "reason": decision.reason,
            "origin": origin,
            "enforced": enforced,
            "message": decision.message,
            **attribution.attributes(),
        }
        self._write(DENIALS, entry)
        attribution.remember(entry)

    def used(self, principal: str, action: str) -> None:
        pair = (role_of(principal), action)
        if pair in self._used:
            return
        with self._lock:
            if pair in self._used:
                return
            self._used.add(pair)
        self._write(USED, {"role": pair[0], "action": action})

    def unmapped(self, principal: str, operation: str, origin: str) -> None:
        pair = (role_of(principal), operation)
        with self._lock:
            if pair in self._unmapped:
                return
            self._unmapped.add(pair)
        LOG.warning("IAM: no mapping for %s (called by %s): allowed", operation, principal)
        self._write(UNMAPPED, {"role": pair[0], "operation": operation, "origin": origin})

    def _write(self, name: str, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock, open(self._paths[name], "a", encoding="utf-8") as file:
            file.write(line)
