"""An import's progress in the imports table: its checkpoint, counts and status.

The checkpoint is the last line of the file whose good rows are all in the prospect-activity
table. A task retried after a failure (or a kill) reads it back and writes only the rows after
it: the lines before are read and validated again, without writing, so the refused rows and the
counts come out whole and exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass
class Progress:
    checkpoint_line: int = 0
    attempts: int = 0


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def started(client, table: str, import_id: str) -> Progress:
    """Mark the import running (one more attempt); the checkpoint a retried task resumes from."""
    answer = client.update_item(
        TableName=table,
        Key={"importId": {"S": import_id}},
        UpdateExpression="SET #status = :running, updatedAt = :now ADD attempts :one",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":running": {"S": "RUNNING"},
            ":now": {"S": now()},
            ":one": {"N": "1"},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    return Progress(
        checkpoint_line=int(answer.get("checkpointLine", {}).get("N", "0")),
        attempts=int(answer["attempts"]["N"]),
    )


def checkpoint(client, table: str, import_id: str, line: int, imported: int, refused: int) -> None:
    """Every good row up to `line` is written; the counts so far (for GET /imports/{id})."""
    client.update_item(
        TableName=table,
        Key={"importId": {"S": import_id}},
        UpdateExpression=(
            "SET checkpointLine = :line, rowsDone = :line, imported = :imported,"
            " refused = :refused, updatedAt = :now"
        ),
        # A checkpoint never goes back (a stale task from an earlier attempt).
        ConditionExpression="attribute_not_exists(checkpointLine) OR checkpointLine <= :line",
        ExpressionAttributeValues={
            ":line": {"N": str(line)},
            ":imported": {"N": str(imported)},
            ":refused": {"N": str(refused)},
            ":now": {"S": now()},
        },
    )


def finished(client, table: str, import_id: str, counts: dict[str, int], refused_key: str) -> None:
    client.update_item(
        TableName=table,
        Key={"importId": {"S": import_id}},
        UpdateExpression=(
            "SET #status = :imported_status, rowsDone = :rows, imported = :imported,"
            " refused = :refused, resumedFromLine = :resumed, refusedRowsKey = :key,"
            " updatedAt = :now"
        ),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":imported_status": {"S": "IMPORTED"},
            ":rows": {"N": str(counts["rows"])},
            ":imported": {"N": str(counts["imported"])},
            ":refused": {"N": str(counts["refused"])},
            ":resumed": {"N": str(counts["resumedFromLine"])},
            ":key": {"S": refused_key},
            ":now": {"S": now()},
        },
    )
