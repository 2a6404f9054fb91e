"""What GET /calculations/{id} says about a calculation, from its execution."""

from __future__ import annotations

import json


def describe_calculation(calculation_id: str, execution: dict, awaiting_approval: bool) -> dict:
    """status: CALCULATING or AWAITING_APPROVAL while running; then the end state's own status
    (APPROVED, REJECTED, FAILED), or the execution's (e.g. ABORTED) if it ended otherwise."""
    state = execution["status"]
    result = json.loads(execution["output"]) if execution.get("output") else None
    if state == "RUNNING":
        status = "AWAITING_APPROVAL" if awaiting_approval else "CALCULATING"
    elif state == "SUCCEEDED" and isinstance(result, dict) and "status" in result:
        status = result["status"]
    else:
        status = state
    return {
        "id": calculation_id,
        "status": status,
        "result": result,
        "executionArn": execution["executionArn"],
    }
