"""What GET /calculations/{id} says about a calculation, from its execution.

Anyone holding an id may ask, so the answer is the outcome only: never who approved (the
approver's email), the execution's input, or a failure's details (an error's cause, which can
hold a stack trace); those stay in the execution and the function's log for staff.
"""

from __future__ import annotations

import json

# The end states' fields a status may show (see statemachine/approval.asl.json).
PUBLIC_RESULT_FIELDS = (
    "status",
    "calculationId",
    "x",
    "y",
    "sum",
    "doubled",
    "approvedAt",
    "rejectedAt",
    "reason",
    "message",
)


def public_result(result: object) -> object:
    if not isinstance(result, dict):
        return None
    return {key: result[key] for key in PUBLIC_RESULT_FIELDS if key in result}


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
        "result": public_result(result),
        "executionArn": execution["executionArn"],
    }
