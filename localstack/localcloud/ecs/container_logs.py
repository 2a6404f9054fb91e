"""A container's output sent to CloudWatch Logs as the `awslogs` driver sends it.

The stream is `<awslogs-stream-prefix>/<container name>/<task id>` in `awslogs-group` (made
first when `awslogs-create-group` is "true"); each line is an event stamped when it was read, on
the local cloud's clock, which the container and CloudWatch Logs follow (a host-time stamp was
refused as too old once the clock was 14 days ahead: the output was lost).
A container with no `awslogs` configuration has its output read and dropped, as on AWS.
"""

from __future__ import annotations

import contextlib
import threading

from localcloud.clock.clock import CLOCK

# PutLogEvents takes at most 10,000 events and 1 MiB a call; 1,000 lines stay well under both.
EVENTS_PER_CALL = 1000
MAX_EVENT_BYTES = 256 * 1024 - 26  # CloudWatch's event size, less its per-event overhead


class LogSetupFailed(Exception):
    """The log group or stream could not be made: the task fails to start."""


class ContainerLog:
    def __init__(self, logs=None, group: str | None = None, stream: str | None = None):
        self._logs, self.group, self.stream = logs, group, stream
        self._pending: list[dict] = []
        self._lock = threading.Lock()

    @classmethod
    def for_container(
        cls, definition: dict, task_id: str, account: str, region: str
    ) -> ContainerLog:
        configuration = definition.get("logConfiguration") or {}
        if configuration.get("logDriver") != "awslogs":
            return cls()
        options = configuration.get("options", {})
        from localstack.aws.connect import connect_to

        logs = connect_to(
            aws_access_key_id=account, region_name=options.get("awslogs-region", region)
        ).logs
        group = options["awslogs-group"]
        prefix = options.get("awslogs-stream-prefix")
        stream = f"{prefix}/{definition['name']}/{task_id}" if prefix else task_id
        try:
            if options.get("awslogs-create-group") == "true":
                with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
                    logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
        except logs.exceptions.ResourceNotFoundException:
            raise LogSetupFailed(
                "create stream has been retried 1 times: failed to create Cloudwatch log "
                "stream: ResourceNotFoundException: The specified log group does not exist."
            ) from None
        return cls(logs, group, stream)

    def add(self, line: bytes) -> None:
        if self._logs is None:
            return
        message = line.rstrip(b"\r\n")[:MAX_EVENT_BYTES].decode(errors="replace")
        with self._lock:
            self._pending.append({"timestamp": int(CLOCK.time() * 1000), "message": message})

    def ship(self) -> None:
        """Send what was read since the last call."""
        with self._lock:
            events, self._pending = self._pending, []
        for start in range(0, len(events), EVENTS_PER_CALL):
            self._logs.put_log_events(
                logGroupName=self.group,
                logStreamName=self.stream,
                logEvents=events[start : start + EVENTS_PER_CALL],
            )
