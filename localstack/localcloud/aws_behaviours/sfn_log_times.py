"""Step Functions' CloudWatch Logs entries carry their time as AWS writes it.

With a state machine's logging configuration (Express workflows' only record of their
history), each history event is a JSON log entry whose `event_timestamp` AWS writes as epoch
milliseconds in a string ("1733566331045"). localstack-core wrote the datetime as ISO text
("2026-12-07T09:52:11.045000+00:00"), so a metric filter, a Logs Insights query or a log reader
written for AWS's entries misread them. The log event's own timestamp is the same instant.
"""

from __future__ import annotations

from localcloud.support.patching import patch_plugin


@patch_plugin(
    "localstack.services.stepfunctions.asl.eval.event.logging",
    requires=(
        "CloudWatchLoggingSession.publish_history_log",
        "CloudWatchLoggingSession._publish_history_log_or_setup",
        "InputLogEvent",
        "to_json_str",
    ),
)
def write_log_times_as_aws(logging_module) -> None:
    def publish_history_log_as_aws(self, history_log) -> None:
        millis = int(history_log["event_timestamp"].timestamp() * 1000)
        entry = {**history_log, "event_timestamp": str(millis)}
        message = logging_module.to_json_str(entry)
        self._publish_history_log_or_setup(
            log_events=[logging_module.InputLogEvent(timestamp=millis, message=message)]
        )

    logging_module.CloudWatchLoggingSession.publish_history_log = publish_history_log_as_aws
