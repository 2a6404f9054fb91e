// The execution page: click a state for its visits; a Map's iterations one at a time.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("execution-data").textContent);
  const panel = document.getElementById("panel");
  const byName = {};
  for (const [svgId, name] of Object.entries(data.svgIds)) {
    const g = document.getElementById(svgId);
    if (!g) continue;
    byName[name] = g;
    g.addEventListener("click", () => select(name));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === "") continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  const badge = (s) => el("span", { class: "badge b-" + s.toLowerCase().replace(/ /g, "-") }, s);
  function pretty(text) {
    if (text === null || text === undefined) return "";
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return String(text); }
  }
  function block(title, text, cls) {
    if (text === null || text === undefined || text === "") return null;
    return el("div", {}, el("h3", {}, title), el("pre", { class: cls || "" }, pretty(text)));
  }
  function causeBlock(text) {
    if (!text) return null;
    let summary = String(text);
    try { summary = JSON.parse(text).errorMessage || summary; } catch (e) { /* not JSON */ }
    return el("details", { class: "cause" }, el("summary", {}, "cause: " + summary.slice(0, 200)),
      el("pre", {}, pretty(text)));
  }
  const scopeKey = (scope) => JSON.stringify(scope);
  const scopeLabel = (scope) => scope.map(([m, i]) => m + " #" + i).join(" / ");

  function colour(name, status) {
    const g = byName[name];
    if (!g) return;
    const keep = g.getAttribute("class").split(" ").filter((c) => !c.startsWith("st-"));
    g.setAttribute("class", keep.concat("st-" + status.replace(/ /g, "-")).join(" "));
  }
  function statusOf(visits) {
    const seen = new Set(visits.map((v) => v.status));
    for (const s of ["running", "failed", "caught", "retried", "succeeded", "aborted"]) {
      if (seen.has(s)) return s;
    }
    return "not reached";
  }

  let iteration = null; // [map state, scope] while one iteration is shown
  function visitsOf(name) {
    return data.visits.filter((v) => v.state === name &&
      (!iteration || scopeKey(v.scope.slice(0, iteration.length)) === scopeKey(iteration)));
  }
  function showIteration(mapState, scope) {
    iteration = scope;
    for (const name of data.iterationStates[mapState] || []) {
      colour(name, scope ? statusOf(visitsOf(name)) : data.states[name].status);
    }
    select(mapState);
  }

  function attemptView(a) {
    return el("div", { class: "attempt" },
      el("div", {}, el("b", {}, a.number === 1 ? "attempt 1" : "retry " + (a.number - 1)), " ",
        badge(a.status), " ", a.scheduled, a.duration ? " · " + a.duration : ""),
      el("div", { class: "arn" }, a.resource),
      a.error ? el("div", { class: "error" }, "error: " + a.error) : null,
      causeBlock(a.cause),
      a.requestId ? el("div", {}, "request id: ", el("code", {}, a.requestId)) : null,
      a.logs && a.logs.length ? el("div", {}, el("h3", {}, "log lines (CloudWatch Logs)"),
        el("pre", { class: "logs" }, a.logs.join("\n"))) : null,
      a.task ? taskView(a.task) : null);
  }
  function taskView(t) {
    const fact = (name, value) => value === null || value === undefined || value === ""
      ? null : el("div", {}, name + ": ", el("code", {}, String(value)));
    return el("div", { class: "task" }, el("h3", {}, "ECS task"),
      el("div", { class: "arn" }, t.taskArn), " ", badge(t.lastStatus),
      fact("cpu / memory", t.cpu + " units / " + t.memory + " MiB"),
      fact("started", t.startedAt), fact("stopped", t.stoppedAt),
      fact("stop code", t.stopCode), fact("stopped reason", t.stoppedReason),
      ...t.containers.map((c) => el("div", { class: "container" },
        el("b", {}, "container " + c.name), " ", badge(c.lastStatus),
        fact("exit code", c.exitCode), fact("reason", c.reason),
        fact("log stream", c.logGroup ? c.logGroup + " " + c.logStream : null),
        c.logs && c.logs.length ? el("pre", { class: "logs" }, c.logs.join("\n")) : null)));
  }
  function denialsView(denials) {
    if (!denials || !denials.length) return null;
    return el("div", { class: "denials" },
      el("h3", {}, denials.length + (denials.length > 1 ? " calls" : " call") + " denied by IAM"),
      ...denials.map((d) => el("div", { class: "denial" },
        el("div", {}, el("b", {}, d.action), " on ", el("code", {}, d.resource)),
        el("div", { class: "arn" }, "by " + d.principal,
          d.requestId ? " (Lambda request " + d.requestId + ")" : ""),
        el("div", { class: "error" }, d.message),
        d.enforced ? null : el("div", { class: "note" }, "report mode: allowed all the same"))));
  }
  function visitView(v, many) {
    return el("div", { class: "visit" },
      many || v.scope.length ? el("div", {}, el("b", {}, v.scope.length ? scopeLabel(v.scope) : "visit"), " ", badge(v.status)) : null,
      el("div", {}, "entered ", v.entered, v.duration ? " · took " + v.duration : ""),
      v.error ? el("div", { class: "error" }, "error: " + v.error) : null,
      causeBlock(v.cause),
      denialsView(v.denials),
      block("input", v.input),
      block("output", v.output),
      v.attempts.length ? el("div", {}, el("h3", {}, v.attempts.length > 1
        ? v.attempts.length + " attempts (" + (v.attempts.length - 1) + " retries)" : "task"),
        ...v.attempts.map(attemptView)) : null);
  }
  function iterationsView(name) {
    const its = data.iterations.filter((i) => i.map === name);
    if (!its.length) return null;
    const failed = its.filter((i) => i.status === "failed").length;
    return el("div", { class: "iterations" },
      el("h3", {}, its.length + " iterations ran, " + failed + " failed"),
      el("button", { class: iteration ? "" : "on", onclick: () => showIteration(name, null) }, "all"),
      ...its.map((i) => el("button", {
        class: iteration && scopeKey(iteration) === scopeKey(i.scope) ? "on" : "",
        "data-index": i.index, title: i.status,
        onclick: () => showIteration(name, i.scope),
      }, "#" + i.index + " ", badge(i.status))));
  }

  function mapRunView(name) {
    // A Distributed Map's runs: counts here, its child executions on the Map Run's own page.
    const runs = (data.mapRuns || {})[name] || [];
    return runs.length ? el("div", { class: "iterations" }, ...runs.map((run) => {
      const counts = run.itemCounts || {};
      const failed = (counts.failed || 0) + (counts.timedOut || 0) + (counts.aborted || 0);
      const title = "Map Run " + run.mapRunArn.split(":").pop();
      return el("div", {},
        el("h3", {}, document.body.dataset.standalone === "1" ? title
          : el("a", { href: "/_console/map-run?arn=" + encodeURIComponent(run.mapRunArn) }, title),
          " ", badge(run.status || "UNKNOWN")),
        el("div", {}, (counts.total || 0) + " items: " + (counts.succeeded || 0) + " succeeded, "
          + failed + " failed, " + (counts.running || 0) + " running, "
          + (counts.pending || 0) + " pending"));
    })) : null;
  }

  function select(name) {
    for (const g of Object.values(byName)) g.classList.remove("selected");
    if (byName[name]) byName[name].classList.add("selected");
    const state = data.states[name];
    const visits = visitsOf(name);
    const shownStatus = iteration ? statusOf(visits) : state.status;
    panel.replaceChildren(...[
      el("h2", { id: "panel-title" }, name, " ", badge(shownStatus)),
      el("div", {}, state.type, iteration ? " · showing " + scopeLabel(iteration) : ""),
      state.type === "Map" ? iterationsView(name) : null,
      state.type === "Map" ? mapRunView(name) : null,
      visits.length ? null : el("p", {}, "Not reached in this execution."),
      ...visits.map((v) => visitView(v, visits.length > 1)),
      block("definition", JSON.stringify(state.definition)),
    ].filter((child) => child !== null));
    history.replaceState(null, "", "#state=" + encodeURIComponent(name));
  }

  const fromHash = decodeURIComponent((location.hash.match(/state=([^&]*)/) || [])[1] || "");
  if (fromHash && data.states[fromHash]) select(fromHash);
  if (document.body.dataset.refresh === "1") {
    setTimeout(() => location.reload(), 2000);
  }
})();
