"""The private fields of LocalStack's job pool that failing a Map Run at once reaches into
(localcloud/aws_behaviours/sfn_distributed_map.py) are declared as patch targets, so a LocalStack
without one stops the start (localcloud/support/patching.py), and are in the installed LocalStack.
Checked in the local cloud's Python, where LocalStack is installed."""

from __future__ import annotations

from support.localstack_python import run_in_localstack_python

JOB_POOL_FIELDS = """
import ast, importlib, inspect, json
from localcloud.aws_behaviours import sfn_distributed_map as plugin
from localcloud.support import patching

job = (
    "localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.job"
)
code = ast.parse(inspect.getsource(plugin._fail_map_run))
reached = {
    f"JobPool.{node.attr}"
    for node in ast.walk(code)
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "job_pool"
}
declared = plugin.JOB_POOL_INTERNALS
print(json.dumps({
    "undeclared": sorted(reached - set(declared)),
    "missing_in_source": patching.missing_in_source(job, declared),
    "missing_on_module": patching.missing_on_module(importlib.import_module(job), declared),
}))
"""


def test_the_job_pool_fields_a_failing_map_run_reaches_into_are_declared_and_in_localstack():
    # GIVEN the fields of LocalStack's job pool that failing a Map Run at once uses
    # (sfn_distributed_map.py), checked in the installed LocalStack
    found = run_in_localstack_python(JOB_POOL_FIELDS)
    # THEN each is declared, so a LocalStack without one stops the start, and each is there
    assert found == {"undeclared": [], "missing_in_source": [], "missing_on_module": []}
