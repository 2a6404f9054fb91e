"""The console's HTML pages. Each is one self-contained document: styles, script, drawing and
data inline, nothing fetched from elsewhere, so a saved execution page works offline."""

from __future__ import annotations

import datetime
import html
import json
import urllib.parse
from pathlib import Path as FilePath

from localcloud.clock.clock import CLOCK
from localcloud.console import cost, dot, graph, history

STATIC = FilePath(__file__).with_name("static")
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
EXPRESS_NOTE = (
    "Express workflow: Step Functions keeps no list or history of its executions "
    "(on AWS they go to CloudWatch Logs), so there are none to draw"
)


def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _q(**params) -> str:
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


def _when(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
    return str(value)


def _duration(start, stop) -> str:
    if not start:
        return ""
    end = stop or CLOCK.now(datetime.UTC)  # a running execution's start is on the clock
    return format_ms((end - start).total_seconds() * 1000) + ("" if stop else " so far")


def format_ms(ms: float | None) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 120_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60000:.1f} min"


def _layout(title: str, body: str, refresh: bool = False, nav: bool = True) -> str:
    style = (STATIC / "console.css").read_text()
    crumbs = '<a href="/_console/">Step Functions on the local cloud</a>' if nav else ""
    return (
        # No Referer on the console's own links: LocalStack's CORS check refuses requests whose
        # referer is not localhost, and the console is served as 127.0.0.1.
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=referrer content=no-referrer>"
        f"<title>{_e(title)}</title><meta name=viewport content='width=device-width'>"
        f"<style>{style}</style></head><body data-refresh={'1' if refresh else '0'} "
        f"data-standalone={'0' if nav else '1'}>"
        f"<header><span class=brand>local console</span> {crumbs}</header><main>{body}</main>"
        "</body></html>"
    )


def _badge(status: str) -> str:
    return f'<span class="badge b-{_e(status.lower().replace(" ", "-"))}">{_e(status)}</span>'


def error_page(message: str) -> str:
    return _layout("Console", f"<h1>Something is wrong</h1><p class=error>{_e(message)}</p>")


def home_page(machines: list[dict]) -> str:
    rows = []
    for machine in sorted(machines, key=lambda m: m["name"]):
        counts = machine["counts"]
        cells = "".join(
            f'<td class=num><a href="/_console/state-machine?'
            f'{_q(arn=machine["stateMachineArn"], status=s)}">{counts.get(s, 0)}</a></td>'
            for s in STATUSES
        )
        if machine.get("type") == "EXPRESS":
            counted = f"<td colspan={len(STATUSES) + 1}>{EXPRESS_NOTE}</td>"
        else:
            counted = f"<td class=num>{sum(counts.values())}</td>{cells}"
        rows.append(
            f'<tr><td><a href="/_console/state-machine?{_q(arn=machine["stateMachineArn"])}">'
            f"{_e(machine['name'])}</a></td><td>{_e(machine.get('type', ''))}</td>"
            f"<td>{_e(machine['region'])}</td>{counted}</tr>"
        )
    heads = "".join(f"<th>{_badge(s)}</th>" for s in STATUSES)
    table = (
        f"<table class=list><thead><tr><th>state machine</th><th>type</th><th>region</th>"
        f"<th>executions</th>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p>No state machines yet. Deploy the stack (<code>make deploy-local</code>).</p>"
    )
    return _layout("State machines", f"<h1>State machines</h1>{table}")


def state_machine_page(
    machine: dict,
    executions: list[dict],
    counts: dict,
    status: str | None,
    number: int,
    pages: int,
) -> str:
    arn = machine["stateMachineArn"]
    empty = EXPRESS_NOTE if machine.get("type") == "EXPRESS" else "none"
    filters = [
        f'<a class="filter{" on" if status is None else ""}" href="?{_q(arn=arn)}">all '
        f"({sum(counts.values())})</a>"
    ] + [
        f'<a class="filter{" on" if status == s else ""}" href="?{_q(arn=arn, status=s)}">'
        f"{_badge(s)} {counts.get(s, 0)}</a>"
        for s in STATUSES
    ]
    rows = "".join(
        f'<tr><td><a href="/_console/execution?{_q(arn=e["executionArn"])}">{_e(e["name"])}</a>'
        f"</td><td>{_badge(e['status'])}</td><td>{_when(e.get('startDate'))}</td>"
        f"<td class=num>{_duration(e.get('startDate'), e.get('stopDate'))}</td></tr>"
        for e in executions
    )
    pager = " ".join(
        f'<a class="page{" on" if n == number else ""}" '
        f'href="?{_q(arn=arn, status=status, page=n)}">{n}</a>'
        for n in range(1, pages + 1)
    )
    body = (
        f"<h1>{_e(machine['name'])} <small>{_e(machine.get('type', ''))}</small></h1>"
        f"<p class=arn>{_e(arn)}</p><nav class=filters>{''.join(filters)}</nav>"
        "<table class=list><thead><tr><th>execution</th><th>status</th><th>started</th>"
        f"<th>duration</th></tr></thead><tbody>{rows or f'<tr><td colspan=4>{empty}</td></tr>'}"
        f"</tbody></table><nav class=pager>page {pager}</nav>"
    )
    return _layout(machine["name"], body)


# --- the execution page ----------------------------------------------------------------------


def execution_data(view: dict) -> dict:
    """What the execution page's script needs (and the JSON API returns)."""
    shape: graph.Graph = view["graph"]
    path: history.Path = view["path"]
    priced: cost.Cost = view["cost"]
    ids = dot.node_ids(shape)
    visits = []
    for visit in path.visits:
        visits.append(
            {
                "state": visit.state,
                "type": visit.type,
                "scope": [list(s) for s in visit.scope],
                "status": visit.status,
                "entered": _when(visit.entered),
                "exited": _when(visit.exited),
                "duration": format_ms(visit.duration_ms),
                "input": visit.input,
                "output": visit.output,
                "error": visit.error,
                "cause": visit.cause,
                "denials": [_denial(d) for d in visit.denials],
                "attempts": [
                    {
                        "number": a.number,
                        "status": a.status,
                        "resource": a.resource,
                        "scheduled": _when(a.scheduled),
                        "duration": format_ms(a.duration_ms),
                        "error": a.error,
                        "cause": a.cause,
                        "requestId": a.request_id,
                        "logs": a.logs,
                        "task": _task_view(a.task),
                    }
                    for a in visit.attempts
                ],
            }
        )
    inner: dict[str, list[str]] = {}
    for node in shape.states():
        group = node.group
        while group is not None:
            owner = shape.groups[group]
            if owner.kind == "iterations":
                inner.setdefault(owner.state, []).append(node.name)
            group = owner.parent
    execution = view["execution"]
    return {
        "executionArn": execution["executionArn"],
        "status": path.status if path.status != "RUNNING" else execution["status"],
        "svgIds": {ids[n.id]: n.name for n in shape.states()},
        "states": {
            n.name: {
                "type": n.type,
                "status": path.state_status(n.name),
                "denied": path.denied(n.name),
                "definition": shape.definitions.get(n.name, {}),
            }
            for n in shape.states()
        },
        "visits": visits,
        "iterations": [
            {
                "map": i.map_state,
                "index": i.index,
                "scope": [list(s) for s in i.scope],
                "status": i.status,
            }
            for i in path.iterations
        ],
        "iterationStates": inner,
        "mapRuns": _map_runs_by_state(view),
        "cost": priced.as_dict(),
    }


def _task_view(task: dict | None) -> dict | None:
    """An ECS task as the panel shows it: its life, how it stopped, each container's exit."""
    if not task:
        return None
    times = ("createdAt", "pullStartedAt", "startedAt", "stoppingAt", "stoppedAt")
    containers = ("name", "lastStatus", "exitCode", "reason", "logGroup", "logStream", "logs")
    return {
        **{key: task.get(key) for key in ("taskArn", "lastStatus", "cpu", "memory")},
        **{key: task.get(key) for key in ("stopCode", "stoppedReason")},
        **{key: _when(task.get(key)) for key in times},
        "containers": [{k: c.get(k) for k in containers} for c in task.get("containers", [])],
    }


def _denial(denial: dict) -> dict:
    """A denied call as the state's detail shows it: what, on what, by whom, AWS's words."""
    return {
        "action": denial.get("action"),
        "resource": denial.get("resource"),
        "principal": denial.get("principal"),
        "message": denial.get("message"),
        "enforced": denial.get("enforced"),
        "requestId": denial.get("lambdaRequestId"),
    }


def _map_runs_by_state(view: dict) -> dict[str, list[dict]]:
    """Each Distributed Map's runs in the order they started (a Map visited again, in a loop or
    an outer Map, starts a run each time)."""
    runs: dict[str, list[dict]] = {}
    for visit in view["path"].visits:
        if visit.map_run_arn:
            run = view.get("mapRuns", {}).get(visit.map_run_arn) or {"mapRunArn": visit.map_run_arn}
            runs.setdefault(visit.state, []).append(run)
    return runs


def execution_page(view: dict, standalone: bool = False) -> str:
    shape: graph.Graph = view["graph"]
    path: history.Path = view["path"]
    execution = view["execution"]
    machine = view["machine"]
    statuses = {n.name: path.state_status(n.name) for n in shape.states()}
    try:
        denied = {n.name: path.denied(n.name) for n in shape.states()}
        svg = dot.render_svg(dot.to_dot(shape, statuses, path.taken, denied))
    except dot.LayoutError as error:
        svg = f"<p class=error>{_e(error)}</p>"
    data = execution_data(view)
    running = execution["status"] == "RUNNING"
    legend = "".join(
        f'<span class="key st-{s.replace(" ", "-")}"><i></i>{s}</span>' for s in dot.COLOURS
    )
    summary = (
        f"<h1>{_e(execution['name'])} {_badge(execution['status'])}</h1>"
        "<dl class=facts>"
        f"<dt>state machine</dt><dd>{_machine_link(machine, standalone)} "
        f"<small>{_e(machine.get('type'))}</small></dd>"
        f"<dt>started</dt><dd>{_when(execution.get('startDate'))}</dd>"
        f"<dt>stopped</dt><dd>{_when(execution.get('stopDate')) or '-'}</dd>"
        f"<dt>duration</dt><dd>{_duration(execution.get('startDate'), execution.get('stopDate'))}"
        f"</dd><dt>ARN</dt><dd class=arn>{_e(execution['executionArn'])}</dd>"
        + (
            f"<dt>error</dt><dd class=error>{_e(execution.get('error'))}</dd>"
            f"<dt>cause</dt><dd><details><summary>{_e(_summary(execution.get('cause')))}"
            f"</summary><pre class=cause>{_e(_pretty(execution.get('cause')))}</pre></details></dd>"
            if execution.get("error") or execution.get("cause")
            else ""
        )
        + "</dl>"
    )
    io = (
        "<section class=io><div><h3>execution input</h3>"
        f"<pre>{_e(_pretty(execution.get('input')))}</pre></div>"
        "<div><h3>execution output</h3>"
        f"<pre>{_e(_pretty(execution.get('output')) or '-')}</pre></div></section>"
    )
    body = (
        summary
        + f"<div class=legend>{legend}</div>"
        + "<div class=split><section id=drawing class=drawing>"
        + svg
        + "</section><aside id=panel class=panel><p class=hint>Click a state to see its input, "
        "output, errors, retries and logs.</p></aside></div>"
        + _map_runs_table(data["mapRuns"], standalone)
        + _cost_table(view["cost"])
        + io
        + '<script type="application/json" id=execution-data>'
        + json.dumps(data, default=str).replace("</", "<\\/")
        + "</script><script>"
        + (STATIC / "console.js").read_text()
        + "</script>"
    )
    return _layout(execution["name"], body, refresh=running and not standalone, nav=not standalone)


# --- Distributed Map runs --------------------------------------------------------------------

ITEM_COUNTS = ("succeeded", "failed", "timedOut", "aborted", "running", "pending", "total")


def _tolerated(run: dict) -> str:
    """What failure the run tolerates, as DescribeMapRun gives it (0 and 0 %: none)."""
    count, percentage = run.get("toleratedFailureCount"), run.get("toleratedFailurePercentage")
    parts = []
    if count:
        parts.append(f"{count} items")
    if percentage:
        parts.append(f"{percentage:g} %")
    return " or ".join(parts) or "none"


def _run_name(run: dict) -> str:
    return run["mapRunArn"].rsplit(":", 1)[-1]


def _map_run_link(run: dict, text: str, standalone: bool) -> str:
    if standalone:
        return _e(text)
    return f'<a href="/_console/map-run?{_q(arn=run["mapRunArn"])}">{_e(text)}</a>'


def _map_runs_table(runs_by_state: dict[str, list[dict]], standalone: bool) -> str:
    if not runs_by_state:
        return ""
    heads = "".join(f"<th>{_e(c)}</th>" for c in ITEM_COUNTS)
    rows = "".join(
        f"<tr><td>{_e(state)}</td><td>{_map_run_link(run, _run_name(run), standalone)}</td>"
        f"<td>{_badge(run.get('status', 'UNKNOWN'))}</td>"
        + "".join(f"<td class=num>{run.get('itemCounts', {}).get(c, '')}</td>" for c in ITEM_COUNTS)
        + f"<td>{_e(_tolerated(run))}</td></tr>"
        for state, runs in runs_by_state.items()
        for run in runs
    )
    return (
        "<section class=map-runs><h2>Map Runs</h2><table class=list><thead><tr><th>Map state</th>"
        f"<th>Map Run</th><th>status</th>{heads}<th>tolerated failure</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><p class=note>Item counts; a Map Run's page lists its "
        "child executions.</p></section>"
    )


def map_run_page(view: dict, number: int, page_size: int) -> str:
    """A Map Run: its counts and tolerances, and its child executions (paged), each linked to
    its execution page."""
    run, children = view["run"], view["children"]
    items, executions = run.get("itemCounts", {}), run.get("executionCounts", {})
    counts = "".join(
        f"<tr><td>{_e(c)}</td><td class=num>{items.get(c, '')}</td>"
        f"<td class=num>{executions.get(c, '')}</td></tr>"
        for c in ITEM_COUNTS
    )
    pages = max(1, -(-len(children) // page_size))
    shown = children[(number - 1) * page_size : number * page_size]
    rows = "".join(
        f'<tr><td><a href="/_console/execution?{_q(arn=c["executionArn"])}">{_e(c["name"])}</a>'
        f"</td><td>{_e(view['childType'])}</td><td>{_badge(c['status'])}</td>"
        f"<td>{_when(c.get('startDate'))}</td>"
        f"<td class=num>{_duration(c.get('startDate'), c.get('stopDate'))}</td></tr>"
        for c in shown
    )
    pager = " ".join(
        f'<a class="page{" on" if n == number else ""}" '
        f'href="?{_q(arn=run["mapRunArn"], status=view["status"], page=n)}">{n}</a>'
        for n in range(1, pages + 1)
    )
    name = _run_name(run)
    arn, status = run["mapRunArn"], view["status"]
    filters = "".join(
        f'<a class="filter{" on" if status == s else ""}" href="?{_q(arn=arn, status=s)}">'
        f"{_badge(s) if s else 'all'}</a>"
        for s in (None, *STATUSES)
    )
    body = (
        f"<h1>Map Run {_e(name)} {_badge(run.get('status', 'UNKNOWN'))}</h1><dl class=facts>"
        f'<dt>execution</dt><dd><a href="/_console/execution?{_q(arn=run["executionArn"])}">'
        f"{_e(run['executionArn'].rsplit(':', 1)[-1])}</a></dd>"
        f"<dt>child workflows</dt><dd>{_e(view['childType'])}</dd>"
        f"<dt>tolerated failure</dt><dd>{_e(_tolerated(run))}</dd>"
        f"<dt>max concurrency</dt><dd>{_e(run.get('maxConcurrency') or 'unlimited')}</dd>"
        f"<dt>started</dt><dd>{_when(run.get('startDate'))}</dd>"
        f"<dt>stopped</dt><dd>{_when(run.get('stopDate')) or '-'}</dd>"
        f"<dt>ARN</dt><dd class=arn>{_e(run['mapRunArn'])}</dd></dl>"
        "<table class=list><thead><tr><th></th><th>items</th><th>child executions</th></tr>"
        f"</thead><tbody>{counts}</tbody></table>"
        f"<h2>Child executions</h2><nav class=filters>{filters}</nav>"
        "<table class=list><thead><tr><th>execution</th><th>type</th>"
        "<th>status</th><th>started</th><th>duration</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=5>none</td></tr>'}</tbody></table>"
        f"<nav class=pager>page {pager}</nav>"
    )
    return _layout(f"Map Run {name}", body, refresh=run.get("status") == "RUNNING")


def _machine_link(machine: dict, standalone: bool) -> str:
    if standalone:
        return _e(machine.get("name"))
    return (
        f'<a href="/_console/state-machine?{_q(arn=machine["stateMachineArn"])}">'
        f"{_e(machine.get('name'))}</a>"
    )


def _summary(cause: str | None) -> str:
    """A cause's message in one line (a Lambda error's cause is JSON with errorMessage)."""
    if not cause:
        return ""
    try:
        message = json.loads(cause).get("errorMessage") or cause
    except (ValueError, AttributeError):
        message = cause
    return message if len(message) <= 160 else message[:159] + "…"


def _pretty(text: str | None) -> str:
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2)
    except (ValueError, TypeError):
        return text


def _cost_table(priced: cost.Cost) -> str:
    data = priced.as_dict()

    def rows(lines):
        return "".join(
            f"<tr><td>{_e(x['item'])}</td><td class=num>{_e(x['quantity'])}</td>"
            f"<td class=num>${_e(x['usd'])}</td></tr>"
            for x in lines
        )

    standard = (
        f"<div><h3>as a Standard workflow</h3><table class=cost>{rows(data['standard'])}"
        f"<tr class=total><td>per execution</td><td></td><td class=num>${data['standardUsd']}"
        f"</td></tr><tr class=total><td>per million executions</td><td></td>"
        f"<td class=num>${data['standardPerMillionUsd']}</td></tr></table></div>"
    )
    if data["express"] is not None:
        express = (
            f"<div><h3>as an Express workflow</h3><table class=cost>{rows(data['express'])}"
            f"<tr class=total><td>per execution</td><td></td><td class=num>${data['expressUsd']}"
            f"</td></tr><tr class=total><td>per million executions</td><td></td>"
            f"<td class=num>${data['expressPerMillionUsd']}</td></tr></table></div>"
        )
    else:
        express = (
            "<div><h3>as an Express workflow</h3><p>Not possible: "
            f"{_e('; '.join(data['expressBlockers']))}.</p></div>"
        )
    notes = []
    if data["lambdaUnreported"]:
        notes.append(f"{data['lambdaUnreported']} Lambda invocation(s) without a REPORT line")
    if data["unpricedCalls"]:
        calls = ", ".join(f"{k} x{v}" for k, v in data["unpricedCalls"].items())
        notes.append(f"service calls counted but not priced: {calls}")
    sources = ", ".join(
        f'<a href="{_e(url)}">{_e(name)}</a>' for name, url in data["sources"].items()
    )
    return (
        f"<section class=costs><h2>What this execution would cost on AWS</h2>"
        f"<div class=cost-pair>{standard}{express}</div>"
        f"<p class=note>{_e(data['region'])} list prices read {_e(data['pricesReadOn'])} "
        f"({sources}); first usage tier, no free tier. {_e('; '.join(notes))}</p></section>"
    )
