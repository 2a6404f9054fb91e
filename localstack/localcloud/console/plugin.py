"""The console inside LocalStack: the `/_console/` route on the gateway, and what it reads.

Routes (GET, same port as every AWS API, answered to loopback clients naming a loopback host
only; see access.py):

    /_console/                                home: every state machine, executions by status
    /_console/state-machine?arn=&status=&page= its executions, filtered and paged
    /_console/execution?arn=[&standalone=1]   one execution drawn; standalone = one file, no refresh
    /_console/map-run?arn=&status=&page=      a Distributed Map's run and its child executions
    /_console/api/execution?arn=              the same as JSON (path, logs, cost)
    /_console/api/costs?since=<epoch s>       cost of every execution started since then
    /_console/api/latest                      the latest execution of every state machine

Lambda request ids: Step Functions' history does not carry them (AWS's lambda:invoke output
does, in SdkResponseMetadata, but LocalStack drops it), so the Lambda integration is wrapped to
note each invocation's request id against its execution, state and Map index. The console
reads the invocation's log lines from CloudWatch Logs by that id. An ECS task's attempt shows
its task, read from ECS with its containers' log lines (ecs_tasks.py).
"""

from __future__ import annotations

import collections
import datetime
import json
import logging
import threading
import time
from collections.abc import Iterator

from localstack.http import Request, Response
from localstack.runtime import hooks

from localcloud.console import access, cost, ecs_tasks, graph, history, page
from localcloud.iam import attribution
from localcloud.support.patching import after_import

LOG = logging.getLogger(__name__)
PAGE_SIZE = 25
# Invocations remembered per (execution, state); oldest executions forgotten first.
_MAX_EXECUTIONS = 5000


@hooks.on_infra_start()
def serve_console():
    from localstack.services.edge import ROUTER

    ROUTER.add("/_console/", endpoint=_guard(_home), methods=["GET"])
    ROUTER.add("/_console", endpoint=_guard(_home), methods=["GET"])
    ROUTER.add("/_console/state-machine", endpoint=_guard(_state_machine), methods=["GET"])
    ROUTER.add("/_console/execution", endpoint=_guard(_execution), methods=["GET"])
    ROUTER.add("/_console/map-run", endpoint=_guard(_map_run_page), methods=["GET"])
    ROUTER.add("/_console/api/execution", endpoint=_guard(_api_execution), methods=["GET"])
    ROUTER.add("/_console/api/costs", endpoint=_guard(_api_costs), methods=["GET"])
    ROUTER.add("/_console/api/latest", endpoint=_guard(_api_latest), methods=["GET"])
    after_import(
        "localstack.services.stepfunctions.asl.component.state.state_execution.state_task."
        "lambda_eval_utils",
        requires=("execute_lambda_function_integration", "_invoke_lambda_function"),
    )(_note_lambda_request_ids)
    task = "localstack.services.stepfunctions.asl.component.state.state_execution.state_task."
    after_import(
        task + "service.state_task_service", requires=("StateTaskService._eval_execution",)
    )(lambda module: _note_state_of_calls(module.StateTaskService))
    after_import(task + "state_task_lambda", requires=("StateTaskLambda._eval_execution",))(
        lambda module: _note_state_of_calls(module.StateTaskLambda)
    )


# --- Lambda request ids ----------------------------------------------------------------------


class LambdaRequests:
    """Request ids of the Lambda invocations Step Functions made, by execution and state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_execution: collections.OrderedDict[str, list[dict]] = collections.OrderedDict()

    def note(self, execution_arn: str, state: str, index: int | None, request_id: str) -> None:
        with self._lock:
            records = self._by_execution.setdefault(execution_arn, [])
            records.append(
                {"state": state, "index": index, "requestId": request_id, "at": time.time()}
            )
            self._by_execution.move_to_end(execution_arn)
            while len(self._by_execution) > _MAX_EXECUTIONS:
                self._by_execution.popitem(last=False)

    def of(self, execution_arn: str) -> list[dict]:
        with self._lock:
            return list(self._by_execution.get(execution_arn, []))


LAMBDA_REQUESTS = LambdaRequests()
_current = threading.local()


def _note_lambda_request_ids(module) -> None:
    execute, invoke = module.execute_lambda_function_integration, module._invoke_lambda_function

    def execute_noting_env(env, *args, **kwargs):
        _current.env = env
        try:
            return execute(env, *args, **kwargs)
        finally:
            _current.env = None

    def invoke_noting_request_id(*args, **kwargs):
        response = invoke(*args, **kwargs)
        env = getattr(_current, "env", None)
        request_id = (response.get("ResponseMetadata") or {}).get("RequestId")
        if env is not None and request_id:
            try:
                context = env.states.context_object.context_object_data
                index = ((context.get("Map") or {}).get("Item") or {}).get("Index")
                LAMBDA_REQUESTS.note(
                    context["Execution"]["Id"], context["State"]["Name"], index, request_id
                )
            except (AttributeError, KeyError, TypeError):
                LOG.debug("no execution context for Lambda request %s", request_id)
        return response

    module.execute_lambda_function_integration = execute_noting_env
    module._invoke_lambda_function = invoke_noting_request_id
    LOG.info("console: noting the request id of every Lambda invocation from Step Functions")


def _note_state_of_calls(task_class) -> None:
    """A task's own service calls (as the machine's role) are made in its thread: note the
    state there, so IAM's journal can say which state a denied call was made for."""
    evaluate = task_class._eval_execution

    def evaluate_in_state(self, env):
        try:
            context = env.states.context_object.context_object_data
            execution, state = context["Execution"]["Id"], context["State"]["Name"]
            index = ((context.get("Map") or {}).get("Item") or {}).get("Index")
        except (AttributeError, KeyError, TypeError):
            return evaluate(self, env)
        with attribution.state_running(execution, state, index):
            return evaluate(self, env)

    task_class._eval_execution = evaluate_in_state


# --- reading the local cloud -----------------------------------------------------------------


def _client(service: str, account: str, region: str):
    from localstack.aws.connect import connect_to

    factory = connect_to(region_name=region, aws_access_key_id=account)
    return getattr(factory, service)


def _accounts_and_regions() -> list[tuple[str, str]]:
    from localstack.services.stepfunctions.backend.models import sfn_stores

    return sorted({(account, region) for account, region, _ in sfn_stores.iter_stores()})


def _arn_parts(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "states":
        raise ValueError(f"not a Step Functions ARN: {arn!r}")
    return parts[4], parts[3]  # account, region


def _all_executions(sfn, machine_arn: str) -> list[dict]:
    """Every execution of a Standard workflow. Step Functions does not list an Express
    workflow's executions (AWS sends them to CloudWatch Logs instead): none for those."""
    executions = []
    try:
        for result in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine_arn):
            executions.extend(result["executions"])
    except Exception as error:
        if getattr(error, "response", {}).get("Error", {}).get("Code") != (
            "StateMachineTypeNotSupported"
        ):
            raise
    return executions


def state_machines() -> list[dict]:
    machines = []
    for account, region in _accounts_and_regions():
        sfn = _client("stepfunctions", account, region)
        for result in sfn.get_paginator("list_state_machines").paginate():
            for machine in result["stateMachines"]:
                counts = collections.Counter(
                    e["status"] for e in _all_executions(sfn, machine["stateMachineArn"])
                )
                machines.append({**machine, "region": region, "account": account, "counts": counts})
    return machines


def execution_view(execution_arn: str) -> dict:
    """Everything the execution page shows: definition, path, logs and cost."""
    account, region = _arn_parts(execution_arn)
    sfn = _client("stepfunctions", account, region)
    described = sfn.describe_execution(executionArn=execution_arn)
    try:
        machine = sfn.describe_state_machine_for_execution(executionArn=execution_arn)
    except Exception:  # older executions of a deleted machine: fall back to the machine itself
        machine = sfn.describe_state_machine(stateMachineArn=described["stateMachineArn"])
    events = []
    for result in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(result["events"])
    shape = graph.build(machine["definition"])
    catch_targets = {
        name: {c.get("Next") for c in state.get("Catch") or []}
        for name, state in shape.definitions.items()
    }
    path = history.reconstruct(events, catch_targets)
    _attach_lambda_logs(path, execution_arn, account, region)
    ecs_tasks.attach_tasks(path, lambda service: _client(service, account, region))
    _attach_denials(path, execution_arn)
    reports = {}
    for visit in path.visits:
        for attempt in visit.attempts:
            for line in attempt.logs:
                report = cost.parse_report(line)
                if report:
                    reports[report.request_id] = report
    map_runs = {
        visit.map_run_arn: _map_run(sfn, visit.map_run_arn)
        for visit in path.visits
        if visit.map_run_arn
    }
    machine_type = machine.get("type") or _machine_type(sfn, described["stateMachineArn"])
    usage = cost.usage(shape, path, reports, len(machine["definition"].encode()))
    priced = cost.price(usage, machine_type)
    return {
        "execution": described,
        "machine": {**machine, "type": machine_type},
        "graph": shape,
        "path": path,
        "cost": priced,
        "mapRuns": map_runs,
    }


def _map_run(sfn, map_run_arn: str) -> dict:
    """A Distributed Map's run as DescribeMapRun shows it: status, counts, tolerances."""
    run = {"mapRunArn": map_run_arn, "itemCounts": {}, "executionCounts": {}}
    try:
        run.update(sfn.describe_map_run(mapRunArn=map_run_arn))
    except Exception as error:
        LOG.debug("could not describe map run %s: %s", map_run_arn, error)
    run.pop("ResponseMetadata", None)
    return run


def map_run_view(map_run_arn: str, status: str | None) -> dict:
    """Everything the Map Run page shows: the run, its child workflow's type, its children."""
    account, region = _arn_parts(map_run_arn)
    sfn = _client("stepfunctions", account, region)
    run = sfn.describe_map_run(mapRunArn=map_run_arn)
    run.pop("ResponseMetadata", None)
    children = []
    filters = {"statusFilter": status} if status else {}
    for result in sfn.get_paginator("list_executions").paginate(mapRunArn=map_run_arn, **filters):
        children.extend(result["executions"])
    children.sort(key=lambda e: e["startDate"])
    return {
        "run": run,
        "childType": _child_type(sfn, children),
        "children": children,
        "status": status,
    }


def _child_type(sfn, children: list[dict]) -> str:
    """STANDARD or EXPRESS, as the children's state machine (the Map's item processor) says."""
    if not children:
        return "-"
    machine = sfn.describe_state_machine_for_execution(executionArn=children[0]["executionArn"])
    config = json.loads(machine["definition"]).get("ProcessorConfig") or {}
    return config.get("ExecutionType", "STANDARD")


def _machine_type(sfn, machine_arn: str) -> str:
    try:
        return sfn.describe_state_machine(stateMachineArn=machine_arn)["type"]
    except Exception:
        return "STANDARD"


def _attach_lambda_logs(path: history.Path, execution_arn: str, account: str, region: str):
    """Give each Lambda attempt its request id and its invocation's log lines."""
    noted = LAMBDA_REQUESTS.of(execution_arn)
    by_key: dict[tuple[str, int | None], list[str]] = collections.defaultdict(list)
    for record in noted:
        by_key[(record["state"], record["index"])].append(record["requestId"])
    attempts_of: dict[str, list] = collections.defaultdict(list)  # by log group
    for visit in path.visits:
        index = visit.scope[-1][1] if visit.scope else None
        for attempt in visit.attempts:
            service, _, _ = graph.integration(attempt.resource)
            if service != "lambda":
                continue
            queue = by_key.get((visit.state, index)) or by_key.get((visit.state, None)) or []
            attempt.request_id = queue.pop(0) if queue else _request_id_in_cause(attempt.cause)
            function = _function_name(attempt)
            if attempt.request_id and function:
                attempts_of[f"/aws/lambda/{function}"].append(attempt)
    logs = _client("logs", account, region)
    for group, attempts in attempts_of.items():
        # Each stream is read once for the whole execution: a Map of a thousand Lambda tasks
        # read per attempt took minutes to draw.
        begin = min(int(a.scheduled.timestamp() * 1000) for a in attempts) - _LOG_SLACK_MS
        end = max(int((a.ended or a.scheduled).timestamp() * 1000) for a in attempts)
        found = _invocations(
            logs, group, begin, end + _LOG_LATE_MS, {a.request_id for a in attempts}
        )
        for attempt in attempts:
            attempt.logs = found.get(attempt.request_id, [])


def _attach_denials(path: history.Path, execution_arn: str) -> None:
    """Give each visit the calls IAM denied it: its own service calls (as the machine's role)
    and those its Lambda invocations made (as the function's role)."""
    by_request = {
        attempt.request_id: visit
        for visit in path.visits
        for attempt in visit.attempts
        if attempt.request_id
    }
    for denial in attribution.recent_denials(execution_arn, set(by_request)):
        visit = by_request.get(denial.get("lambdaRequestId")) or _visit_of_state(path, denial)
        if visit is not None:
            visit.denials.append(denial)


def _visit_of_state(path: history.Path, denial: dict) -> history.Visit | None:
    """The visit a state's own denied call was made in: of that state and Map item, the last
    entered by then (a state in a loop is visited more than once)."""
    index = denial.get("mapIndex")
    visits = [
        v
        for v in path.visits_of(denial.get("state", ""))
        if (v.scope[-1][1] if v.scope else None) == index
    ]
    when = denial.get("time", "")
    earlier = [v for v in visits if v.entered.strftime("%Y-%m-%dT%H:%M:%SZ") <= when]
    return (earlier or visits or [None])[-1]


def _request_id_in_cause(cause: str | None) -> str | None:
    """A failed invocation's cause (Lambda's error JSON) names its request id."""
    try:
        return json.loads(cause or "").get("requestId")
    except (ValueError, AttributeError):
        return None


def _function_name(attempt: history.Attempt) -> str | None:
    name = None
    if attempt.parameters:
        try:
            name = json.loads(attempt.parameters).get("FunctionName")
        except (ValueError, AttributeError):
            name = None
    name = name or attempt.resource
    if name and name.startswith("arn:aws:states:"):
        return None
    parts = name.split(":") if name else []
    if len(parts) >= 7:  # a function ARN, maybe with a version or alias
        return parts[6]
    return parts[0] if parts else None


def _log_streams(logs, group: str) -> list[dict]:
    try:
        found = []
        for result in logs.get_paginator("describe_log_streams").paginate(logGroupName=group):
            found.extend(result["logStreams"])
        return found
    except Exception as error:  # no such group yet: the function never logged
        LOG.debug("no Lambda logs in %s: %s", group, error)
        return []


# Log events are written a moment after the invocation ends: look a little past it.
_LOG_SLACK_MS = 2000
_LOG_LATE_MS = 30_000


def _invocations(logs, group: str, begin: int, end: int, request_ids: set[str]) -> dict:
    """The lines of each invocation asked for, START to REPORT, by request id, from the group's
    streams with events between begin and end (epoch milliseconds)."""
    found: dict[str, list[str]] = {}
    for stream in _log_streams(logs, group):
        if stream.get("lastEventTimestamp", end) < begin:
            continue
        if stream.get("firstEventTimestamp", begin) > end:
            continue
        current = None  # the invocation whose lines are being read, if one asked for
        for event in _log_events(logs, group, stream["logStreamName"], begin, end):
            for line in event["message"].splitlines():
                if line.startswith("START RequestId: "):
                    request_id = line.split()[2]
                    current = request_id if request_id in request_ids else None
                    if current:
                        found[current] = [line]
                elif current:
                    found[current].append(line)
                    if line.startswith("REPORT RequestId: "):
                        current = None
        if len(found) == len(request_ids):
            break
    return found


def _log_events(logs, group: str, stream: str, begin: int, end: int) -> Iterator[dict]:
    token = None
    while True:
        kwargs = {
            "logGroupName": group,
            "logStreamName": stream,
            "startTime": begin,
            "endTime": end,
            "startFromHead": True,
        }
        if token:
            kwargs["nextToken"] = token
        try:
            result = logs.get_log_events(**kwargs)
        except Exception as error:
            LOG.debug("could not read %s %s: %s", group, stream, error)
            return
        yield from result["events"]
        if not result["events"] or result.get("nextForwardToken") in (None, token):
            return
        token = result.get("nextForwardToken")


# --- handlers --------------------------------------------------------------------------------


def _guard(handler):
    def guarded(request: Request, **kwargs) -> Response:
        if not access.is_local_request(request.remote_addr, request.headers.get("Host")):
            return Response("the console answers 127.0.0.1 and localhost only", status=403)
        try:
            return handler(request, **kwargs)
        except (ValueError, KeyError) as error:
            return _html(page.error_page(f"Bad request: {error}"), status=400)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in (
                "ExecutionDoesNotExist",
                "StateMachineDoesNotExist",
                "ResourceNotFound",
                "InvalidArn",
            ):
                return _html(page.error_page(f"{code}: {error}"), status=404)
            LOG.exception("console: %s failed", request.path)
            return _html(page.error_page(f"The console failed: {error}"), status=500)

    return guarded


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _json(body, status: int = 200) -> Response:
    return Response(
        json.dumps(body, default=_json_default), status=status, mimetype="application/json"
    )


def _json_default(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, collections.Counter):
        return dict(value)
    return str(value)


def _home(request: Request, **_) -> Response:
    return _html(page.home_page(state_machines()))


def _state_machine(request: Request, **_) -> Response:
    arn = request.args["arn"]
    status = request.args.get("status") or None
    number = max(1, int(request.args.get("page", "1")))
    account, region = _arn_parts(arn)
    sfn = _client("stepfunctions", account, region)
    machine = sfn.describe_state_machine(stateMachineArn=arn)
    executions = _all_executions(sfn, arn)
    counts = collections.Counter(e["status"] for e in executions)
    if status:
        executions = [e for e in executions if e["status"] == status]
    executions.sort(key=lambda e: e["startDate"], reverse=True)
    pages = max(1, -(-len(executions) // PAGE_SIZE))
    shown = executions[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return _html(page.state_machine_page(machine, shown, counts, status, number, pages))


def _execution(request: Request, **_) -> Response:
    view = execution_view(request.args["arn"])
    standalone = request.args.get("standalone") == "1"
    return _html(page.execution_page(view, standalone=standalone))


def _map_run_page(request: Request, **_) -> Response:
    status = request.args.get("status") or None
    if status is not None and status not in page.STATUSES:
        raise ValueError(f"no such status: {status}")
    view = map_run_view(request.args["arn"], status)
    number = max(1, int(request.args.get("page", "1")))
    return _html(page.map_run_page(view, number, PAGE_SIZE))


def _api_execution(request: Request, **_) -> Response:
    view = execution_view(request.args["arn"])
    return _json(page.execution_data(view))


def _api_costs(request: Request, **_) -> Response:
    since = datetime.datetime.fromtimestamp(float(request.args.get("since", "0")), datetime.UTC)
    rows = []
    for machine in state_machines():
        account, region = machine["account"], machine["region"]
        sfn = _client("stepfunctions", account, region)
        for execution in _all_executions(sfn, machine["stateMachineArn"]):
            if execution["startDate"] < since or execution["status"] == "RUNNING":
                continue
            view = execution_view(execution["executionArn"])
            rows.append(
                {
                    "stateMachine": machine["name"],
                    "execution": execution["name"],
                    "executionArn": execution["executionArn"],
                    "status": execution["status"],
                    "startDate": execution["startDate"],
                    "cost": view["cost"].as_dict(),
                }
            )
    rows.sort(key=lambda r: (r["stateMachine"], r["startDate"]))
    return _json({"executions": rows})


def _api_latest(request: Request, **_) -> Response:
    latest = []
    for machine in state_machines():
        sfn = _client("stepfunctions", machine["account"], machine["region"])
        executions = _all_executions(sfn, machine["stateMachineArn"])
        if executions:
            newest = max(executions, key=lambda e: e["startDate"])
            latest.append({"stateMachine": machine["name"], "executionArn": newest["executionArn"]})
    return _json({"executions": latest})
