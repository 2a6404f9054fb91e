"""The clock inside LocalStack: `/_localcloud/clock` on the gateway, and the services that time
things made to follow it.

    GET  /_localcloud/clock                          {"now": "...Z", "offsetSeconds": n}
    POST /_localcloud/clock {"advance": "PT24H"}     moves it forward, answers the same

Step Functions, EventBridge, SQS, STS, S3, Scheduler's store and CloudWatch Logs follow the clock by
module (`views.follow_the_clock`): each of their modules, as LocalStack imports it, sees the
clock's time and timed waits. Lambda functions and ECS tasks run on it through libfaketime
(`processes`).
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import wrapt
from localstack.http import Request, Response
from localstack.runtime import hooks

from localcloud.clock import processes
from localcloud.clock.clock import CLOCK, BadDuration, duration_seconds
from localcloud.clock.views import follow_the_clock, seeing_the_clock
from localcloud.console import access

LOG = logging.getLogger(__name__)

# The packages whose modules follow the clock (their generated parsers have no timers).
FOLLOWING = (
    "localstack.services.stepfunctions",
    "localstack.services.events",
    "localstack.services.sqs",
    "localstack.services.s3",  # LastModified and the other dates S3 reports; expiry checks
    # sessions dated and expired by the clock (iam/sessions.py); a container's SDK, on the
    # clock, would otherwise find its task role's credentials expired
    "localstack.services.sts",
    "moto.sts",
    "moto.scheduler",  # the stored schedules' creation and change dates
    # CloudWatch Logs' window of accepted event times (2 hours ahead at most): else the logs of
    # what runs on the clock (Step Functions', stamped with its time) are dropped once it moves
    "moto.logs",
)
NOT_FOLLOWING = ("localstack.services.stepfunctions.asl.antlr",)


@hooks.on_infra_start()
def serve_the_clock() -> None:
    from localstack.runtime.shutdown import ON_AFTER_SERVICE_SHUTDOWN_HANDLERS
    from localstack.services.edge import ROUTER
    from localstack.utils import time as localstack_time
    from moto.core import utils as moto_utils

    processes.write_offset()
    processes.forget_the_dead()
    ON_AFTER_SERVICE_SHUTDOWN_HANDLERS.register(processes.reap_the_ended_children)
    ROUTER.add("/_localcloud/clock", endpoint=_clock, methods=["GET", "POST"])
    seeing_the_clock(localstack_time)  # their `now()`, `timestamp()`: SQS's and EventBridge's dates
    seeing_the_clock(moto_utils)  # `unix_time()`: Scheduler's dates
    for package in FOLLOWING:
        for module_name in _modules_of(package):
            wrapt.register_post_import_hook(follow_the_clock, module_name)


def _modules_of(package: str) -> list[str]:
    """Every module of a package, found on disk (importing them all would slow every start)."""
    spec = importlib.util.find_spec(package)
    root = Path(spec.origin).parent
    names = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join((package, *parts)).removesuffix(".__init__")
        if not name.startswith(NOT_FOLLOWING):
            names.append(name)
    return names


def _clock(request: Request, **_) -> Response:
    if not access.is_local_request(request.remote_addr, request.headers.get("Host")):
        return _answer({"message": "the clock answers 127.0.0.1 and localhost only"}, 403)
    if request.method == "POST":
        try:
            body = json.loads(request.get_data() or b"{}")
            if not isinstance(body, dict) or set(body) != {"advance"}:
                raise BadDuration('the body must be {"advance": "<ISO 8601 duration>"}')
            seconds = duration_seconds(body["advance"])
        except (ValueError, BadDuration) as error:
            return _answer({"message": str(error)}, 400)
        CLOCK.advance(seconds)
        processes.move_processes()
        LOG.info("clock moved forward %s (%.0f s)", body["advance"], seconds)
    return _answer(_reading())


def _reading() -> dict:
    now = CLOCK.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"now": now, "offsetSeconds": CLOCK.offset_seconds}


def _answer(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
