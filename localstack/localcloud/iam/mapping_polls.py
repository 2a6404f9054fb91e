"""An event source mapping whose function's role loses its permission while it polls, as on
AWS: each poll is made as the role (the gateway judges it), so a refused poll reads nothing and
the mapping retries; a stream mapping's `LastProcessingResult` says the problem meanwhile and
is back to "OK" once a poll succeeds again. LocalStack kept "No records processed" whatever
happened. SQS mappings have no LastProcessingResult on AWS."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError

from localcloud.iam.actions import Authorisation
from localcloud.iam.refusals import polling_refused

LOG = logging.getLogger(__name__)

OK = "OK"
PROBLEM = "PROBLEM: "
_REFUSALS = frozenset({"AccessDenied", "AccessDeniedException"})


def refused_poll(error: BaseException) -> bool:
    """Whether a poll failed because IAM refused the role (however the poller wrapped it)."""
    while error is not None:
        if isinstance(error, ClientError) and error.response["Error"]["Code"] in _REFUSALS:
            return True
        error = error.__cause__ or error.__context__
    return False


def problem(source_arn: str) -> str:
    """The mapping's LastProcessingResult while its role may not read the stream."""
    return PROBLEM + polling_refused(source_arn, Authorisation("", [])).message


def record_poll_results(esm_worker_module) -> None:
    """Wrap each worker's poll: a refused poll writes the problem into the mapping, the next
    one that is not refused clears it (an empty poll too: the role may read again)."""
    from localstack.services.lambda_.event_source_mapping.pollers.poller import (
        EmptyPollResultsException,
    )

    worker_class = esm_worker_module.EsmWorker
    loop = worker_class.poller_loop

    def poller_loop(self, *args, **kwargs):
        poll = self.poller.poll_events
        source = self.esm_config.get("EventSourceArn") or ""
        if ":sqs:" in source or not source:
            return loop(self, *args, **kwargs)

        def poll_events():
            try:
                poll()
            except EmptyPollResultsException:
                _clear_problem(self)
                raise
            except Exception as error:
                if refused_poll(error):
                    _set_result(self, problem(source))
                raise
            _clear_problem(self)

        self.poller.poll_events = poll_events
        return loop(self, *args, **kwargs)

    worker_class.poller_loop = poller_loop


def _clear_problem(worker) -> None:
    mapping = worker._state.event_source_mappings.get(worker.esm_config["UUID"]) or {}
    if str(mapping.get("LastProcessingResult", "")).startswith(PROBLEM):
        _set_result(worker, OK)


def _set_result(worker, result: str) -> None:
    """Into the stored mapping GetEventSourceMapping answers from, when it changed."""
    mapping = worker._state.event_source_mappings.get(worker.esm_config["UUID"])
    if mapping is not None and mapping.get("LastProcessingResult") != result:
        LOG.info("event source mapping %s: %s", worker.esm_config["UUID"], result)
        mapping["LastProcessingResult"] = result
