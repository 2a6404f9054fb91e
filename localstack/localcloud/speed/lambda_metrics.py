"""Lambda's CloudWatch metrics (Invocations, Errors), published in batches.

LocalStack writes one metric datum per invocation, synchronously into its CloudWatch store;
on a 2-core laptop that costs more CPU than the invocation itself. Counting per function and
publishing the sums once a second keeps the metrics and frees the invoke path.
"""

import logging
import threading
from collections import Counter

from localcloud.support.patching import patch_plugin

LOG = logging.getLogger(__name__)
FLUSH_INTERVAL_S = 1.0


class MetricBatcher:
    def __init__(self) -> None:
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="lambda-metrics", daemon=True)
        self._thread.start()

    def add(self, metric: str, function_name: str, account_id: str, region_name: str) -> None:
        with self._lock:
            self._counts[(metric, function_name, account_id, region_name)] += 1

    def _run(self) -> None:
        from localstack.runtime.events import infra_stopping

        # Nothing is published once shutdown begins: the stores are going away.
        while not infra_stopping.wait(FLUSH_INTERVAL_S):
            self.flush()

    def flush(self) -> None:
        from localstack.utils.cloudwatch.cloudwatch_util import publish_lambda_metric

        with self._lock:
            counts, self._counts = self._counts, Counter()
        for (metric, function_name, account_id, region_name), count in counts.items():
            try:
                publish_lambda_metric(
                    metric,
                    count,
                    {"func_name": function_name},
                    account_id=account_id,
                    region_name=region_name,
                )
            except Exception as error:
                LOG.debug("Could not publish Lambda metric %s: %s", metric, error)


@patch_plugin(
    "localstack.services.lambda_.invocation.version_manager",
    requires=("record_cw_metric_invocation", "record_cw_metric_error"),
)
def batch_lambda_metrics(version_manager) -> None:
    batcher = MetricBatcher()

    def invocation(function_name: str, account_id: str, region_name: str) -> None:
        batcher.add("Invocations", function_name, account_id, region_name)

    def error(function_name: str, account_id: str, region_name: str) -> None:
        batcher.add("Invocations", function_name, account_id, region_name)
        batcher.add("Errors", function_name, account_id, region_name)

    version_manager.record_cw_metric_invocation = invocation
    version_manager.record_cw_metric_error = error
