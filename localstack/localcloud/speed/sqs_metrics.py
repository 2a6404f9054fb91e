"""SQS's CloudWatch metrics (NumberOfMessagesSent, SentMessageSize, NumberOfMessagesReceived,
NumberOfEmptyReceives, NumberOfMessagesDeleted), published in batches.

LocalStack publishes one PutMetricData per metric per call: a SendMessage and a ReceiveMessage
made three more requests through the gateway, each an SQLite commit in the CloudWatch store,
more CPU than the calls themselves. Here each queue's data points go out once a second in one
PutMetricData, each distinct value with its count (Values and Counts), so every statistic
(SampleCount, Sum, Minimum, Maximum, Average) is what it was.
"""

from __future__ import annotations

import logging
import threading

from localcloud.speed.sqs_metric_batch import NAMESPACE, MetricBatch
from localcloud.support.patching import patch_plugin

LOG = logging.getLogger(__name__)
FLUSH_INTERVAL_S = 1.0


class MetricPublisher:
    """Publishes the batch once a second, on a thread of its own, until shutdown begins."""

    def __init__(self) -> None:
        self.batch = MetricBatch()
        threading.Thread(target=self._run, name="sqs-metrics", daemon=True).start()

    def _run(self) -> None:
        from localstack.runtime.events import infra_stopping

        # Nothing is published once shutdown begins: the stores are going away.
        while not infra_stopping.wait(FLUSH_INTERVAL_S):
            self.flush()

    def flush(self) -> None:
        from localstack.aws.connect import connect_to
        from localstack.utils.bootstrap import is_api_enabled

        if not is_api_enabled("cloudwatch"):
            self.batch.drain()
            return
        for (account, region, _), data in self.batch.drain():
            try:
                cloudwatch = connect_to(region_name=region, aws_access_key_id=account).cloudwatch
                cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
            except Exception as error:
                LOG.info("Unable to put SQS metric data to CloudWatch: %s", error)


@patch_plugin(
    "localstack.services.sqs.provider", requires=("CloudwatchDispatcher.dispatch_sqs_metric",)
)
def batch_sqs_metrics(provider) -> None:
    publisher = MetricPublisher()

    def dispatch_sqs_metric(
        self, account_id, region, queue_name, metric, value=1, unit="Count"
    ) -> None:
        if self.running:
            publisher.batch.add((account_id, region, queue_name), metric, value, unit)

    provider.CloudwatchDispatcher.dispatch_sqs_metric = dispatch_sqs_metric
