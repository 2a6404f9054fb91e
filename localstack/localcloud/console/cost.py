"""What one execution would cost on AWS, from its path and its Lambda tasks' REPORT lines.

Standard workflows pay per state transition (every state entered, every retry); Express
workflows per request and per GB-second of duration (rounded up to 100 ms) times memory (billed
in 64 MB chunks; AWS estimates it as 50 MB + the definition's size + the execution data size
times the number of Parallel or Map steps). Lambda tasks add requests and GB-seconds (billed
duration times configured memory); the state machine's own service calls add those services'
request prices. An `ecs:runTask` task adds Fargate's vCPU-hours and GB-hours: its task's cpu and
memory for the seconds from its image pull to its stop, one minute at least. Prices: prices.json
(list prices, first tier, with where and when they were read).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path as FilePath

from localcloud.console.graph import Graph, integration
from localcloud.console.history import Path

PRICES_FILE = FilePath(__file__).with_name("prices.json")
MILLION = Decimal(1_000_000)
_REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+).*?Billed Duration: (?P<billed>\d+) ms"
    r".*?Memory Size: (?P<memory>\d+) MB"
)


def load_prices(path: FilePath = PRICES_FILE) -> dict:
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Report:
    """A Lambda invocation's REPORT line: what Lambda bills."""

    request_id: str
    billed_ms: int
    memory_mb: int

    @property
    def gb_seconds(self) -> Decimal:
        return Decimal(self.billed_ms) / 1000 * Decimal(self.memory_mb) / 1024


def parse_report(line: str) -> Report | None:
    match = _REPORT.search(line)
    if not match:
        return None
    return Report(match["id"], int(match["billed"]), int(match["memory"]))


@dataclass
class Usage:
    """What an execution used, in the units AWS bills."""

    state_transitions: int = 0
    lambda_requests: int = 0
    lambda_gb_seconds: Decimal = Decimal(0)
    lambda_unreported: int = 0  # invocations whose REPORT line was not found
    fargate_vcpu_seconds: Decimal = Decimal(0)
    fargate_gb_seconds: Decimal = Decimal(0)
    fargate_unpriced: int = 0  # tasks not stopped yet, or not found
    service_calls: Counter = field(default_factory=Counter)  # "service:action" -> count
    duration_ms: float = 0
    express_memory_mb: Decimal = Decimal(50)
    express_blockers: list[str] = field(default_factory=list)


@dataclass
class Line:
    item: str
    quantity: str
    usd: Decimal


@dataclass
class Cost:
    workflow_type: str  # STANDARD or EXPRESS: what the state machine is
    usage: Usage
    standard: list[Line]
    express: list[Line] | None  # None when it could not be an Express workflow
    express_blockers: list[str]
    unpriced_calls: dict[str, int]
    prices: dict

    @staticmethod
    def total(lines: list[Line] | None) -> Decimal | None:
        return None if lines is None else sum((line.usd for line in lines), Decimal(0))

    @property
    def standard_usd(self) -> Decimal:
        return self.total(self.standard)

    @property
    def express_usd(self) -> Decimal | None:
        return self.total(self.express)

    def as_dict(self) -> dict:
        def lines(items):
            if items is None:
                return None
            return [{"item": x.item, "quantity": x.quantity, "usd": _fmt(x.usd)} for x in items]

        return {
            "workflowType": self.workflow_type,
            "stateTransitions": self.usage.state_transitions,
            "lambdaRequests": self.usage.lambda_requests,
            "lambdaGbSeconds": f"{self.usage.lambda_gb_seconds.normalize():f}",
            "lambdaUnreported": self.usage.lambda_unreported,
            "fargateVcpuSeconds": f"{self.usage.fargate_vcpu_seconds.normalize():f}",
            "fargateGbSeconds": f"{self.usage.fargate_gb_seconds.normalize():f}",
            "fargateUnpriced": self.usage.fargate_unpriced,
            "serviceCalls": dict(self.usage.service_calls),
            "standard": lines(self.standard),
            "standardUsd": _fmt(self.standard_usd),
            "standardPerMillionUsd": _fmt(self.standard_usd * MILLION, places=2),
            "express": lines(self.express),
            "expressUsd": None if self.express is None else _fmt(self.express_usd),
            "expressPerMillionUsd": None
            if self.express is None
            else _fmt(self.express_usd * MILLION, places=2),
            "expressBlockers": self.express_blockers,
            "unpricedCalls": self.unpriced_calls,
            "region": self.prices["region"],
            "pricesReadOn": self.prices["read_on"],
            "sources": self.prices["sources"],
        }


def _fmt(value: Decimal, places: int = 8) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def usage(
    graph: Graph,
    path: Path,
    reports: dict[str, Report],
    definition_bytes: int,
) -> Usage:
    """Count what the execution used. `reports` maps Lambda request ids to REPORT lines."""
    used = Usage(state_transitions=path.transitions())
    for visit in path.visits:
        for attempt in visit.attempts:
            service, action, pattern = integration(attempt.resource)
            if service == "lambda":
                used.lambda_requests += 1
                report = reports.get(attempt.request_id or "")
                if report:
                    used.lambda_gb_seconds += report.gb_seconds
                else:
                    used.lambda_unreported += 1
            elif (service, action) == ("ecs", "runTask"):
                _add_fargate_task(used, attempt.task)
            elif service not in ("activity", "unknown"):
                used.service_calls[f"{service}:{action}"] += 1
            if pattern:
                blocker = f".{pattern} integration ({visit.state})"
                if blocker not in used.express_blockers:
                    used.express_blockers.append(blocker)
            if service == "activity":
                used.express_blockers.append(f"activity task ({visit.state})")
    for name, state in graph.definitions.items():
        service, _, pattern = (
            integration(state.get("Resource", ""))
            if "Resource" in state
            else (
                "",
                "",
                "",
            )
        )
        if pattern:
            blocker = f".{pattern} integration ({name})"
            if blocker not in used.express_blockers:
                used.express_blockers.append(blocker)
        processor = state.get("ItemProcessor") or {}
        if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            used.express_blockers.append(f"Distributed Map ({name})")
    if path.started and path.stopped:
        used.duration_ms = (path.stopped - path.started).total_seconds() * 1000
    used.express_memory_mb = _express_memory_mb(path, definition_bytes)
    return used


def fargate_billed_seconds(task: dict) -> int | None:
    """Seconds Fargate bills a stopped task: from its image pull to its stop, rounded up to
    the second, one minute at least. None while it has not stopped."""
    began = task.get("pullStartedAt") or task.get("createdAt")
    if not began or not task.get("stoppedAt"):
        return None
    return max(60, math.ceil((task["stoppedAt"] - began).total_seconds()))


def _add_fargate_task(used: Usage, task: dict | None) -> None:
    billed = fargate_billed_seconds(task) if task else None
    if billed is None:
        used.fargate_unpriced += 1
        return
    # A task definition's cpu is in CPU units (1024 a vCPU), its memory in MiB.
    used.fargate_vcpu_seconds += billed * Decimal(task["cpu"]) / 1024
    used.fargate_gb_seconds += billed * Decimal(task["memory"]) / 1024


def _express_memory_mb(path: Path, definition_bytes: int) -> Decimal:
    payloads = [path.input, path.output] + [
        text for v in path.visits for text in (v.input, v.output)
    ]
    data_kb = Decimal(max((len((p or "").encode()) for p in payloads), default=0)) / 1024
    steps = sum(1 for v in path.visits if v.type in ("Parallel", "Map")) + len(path.iterations)
    kb = Decimal(definition_bytes) / 1024 + data_kb * max(1, steps)
    return Decimal(50) + kb / 1024


def price(usage_: Usage, workflow_type: str, prices: dict | None = None) -> Cost:
    """Price the usage as a Standard workflow and, where it could be one, as Express."""
    prices = prices or load_prices()
    sfn, lam = prices["stepfunctions"], prices["lambda"]
    service_prices = prices["service_requests"]
    shared: list[Line] = []
    if usage_.lambda_requests:
        shared.append(
            Line(
                "Lambda requests",
                str(usage_.lambda_requests),
                usage_.lambda_requests * Decimal(lam["per_request"]),
            )
        )
        shared.append(
            Line(
                "Lambda duration",
                f"{usage_.lambda_gb_seconds.normalize():f} GB-s",
                usage_.lambda_gb_seconds * Decimal(lam["per_gb_second"]),
            )
        )
    if usage_.fargate_vcpu_seconds:
        fargate = prices["fargate"]
        shared.append(
            Line(
                "Fargate vCPU",
                f"{usage_.fargate_vcpu_seconds.normalize():f} vCPU-s",
                usage_.fargate_vcpu_seconds / 3600 * Decimal(fargate["per_vcpu_hour"]),
            )
        )
        shared.append(
            Line(
                "Fargate memory",
                f"{usage_.fargate_gb_seconds.normalize():f} GB-s",
                usage_.fargate_gb_seconds / 3600 * Decimal(fargate["per_gb_hour"]),
            )
        )
    unpriced: dict[str, int] = {}
    for call, count in sorted(usage_.service_calls.items()):
        if call in service_prices:
            shared.append(Line(call, str(count), count * Decimal(service_prices[call])))
        else:
            unpriced[call] = count

    standard = [
        Line(
            "State transitions",
            str(usage_.state_transitions),
            usage_.state_transitions * Decimal(sfn["standard_per_state_transition"]),
        ),
        *shared,
    ]
    blockers = list(usage_.express_blockers)
    if usage_.duration_ms > sfn["express_max_duration_s"] * 1000:
        blockers.append(f"ran {usage_.duration_ms / 1000:.0f} s (Express allows 5 minutes)")
    express = None
    if not blockers or workflow_type == "EXPRESS":
        rounding = sfn["express_duration_rounding_ms"]
        billed_ms = max(rounding, math.ceil(usage_.duration_ms / rounding) * rounding)
        chunk = sfn["express_memory_chunk_mb"]
        billed_mb = math.ceil(usage_.express_memory_mb / chunk) * chunk
        gb_seconds = Decimal(billed_ms) / 1000 * Decimal(billed_mb) / 1024
        express = [
            Line("Express request", "1", Decimal(sfn["express_per_request"])),
            Line(
                "Express duration",
                f"{billed_ms} ms x {billed_mb} MB = {gb_seconds.normalize():f} GB-s",
                gb_seconds * Decimal(sfn["express_per_gb_second"]),
            ),
            *shared,
        ]
    return Cost(workflow_type, usage_, standard, express, blockers, unpriced, prices)
