"""DynamoDB, DynamoDB Streams and Kinesis served by moto inside LocalStack.

LocalStack's own providers need a JVM with a downloaded DynamoDB Local jar and an npm-downloaded
Kinesis emulator; neither can be fetched offline. moto (bundled with localstack-core) serves
every operation in-process. Selected with PROVIDER_OVERRIDE_<SERVICE>=moto.

moto's DynamoDB answers carry keys AWS only sends when asked (ConsumedCapacity on every write,
an empty Attributes map on a DeleteItem): the item operations pass through `as_aws`, which keeps
what the request asked for, as the DynamoDB API reference describes each answer.

DynamoDB applies each write to an item at once: no reader sees it half done, and two writers to
one item never lose an update. moto changes the stored item in place, step by step (an
UpdateItem on a new key first stores the bare key, then sets the attributes), with no lock, so
a GetItem from another request thread could see the application the pre-screening trigger was
storing as its key alone, with no status. So the item operations run in moto one at a time;
table operations and every other service's requests are not held by it.
"""

import threading

from localstack.services.moto import MotoFallbackDispatcher
from localstack.services.plugins import Service, aws_provider

# One item operation at a time, as DynamoDB applies each at once (TTL deletions take it too).
ITEM_OPERATIONS = threading.Lock()


def as_aws(request: dict, response: dict) -> dict:
    """A moto DynamoDB answer with only the keys AWS returns for this request."""
    if request.get("ReturnConsumedCapacity", "NONE") == "NONE":
        response.pop("ConsumedCapacity", None)
    if request.get("ReturnItemCollectionMetrics", "NONE") == "NONE":
        response.pop("ItemCollectionMetrics", None)
    # Attributes: only for ReturnValues other than NONE, and only when there is something to
    # return (an ALL_OLD on a new item answers without it).
    if request.get("ReturnValues", "NONE") == "NONE" or not response.get("Attributes"):
        response.pop("Attributes", None)
    return response


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.aws.api import RequestContext, handler
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services.moto import call_moto

    def answered_as_aws(operation: str):
        def call(self, context: RequestContext, request: dict) -> dict:
            with ITEM_OPERATIONS:
                answer = call_moto(context)
            return as_aws(request, answer)

        # LocalStack's dispatch table finds the method by this name (put_item, ...).
        call.__name__ = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation)[1:]
        return handler(operation, expand=False)(call)

    class MotoDynamoDB(DynamodbApi):
        put_item = answered_as_aws("PutItem")
        update_item = answered_as_aws("UpdateItem")
        delete_item = answered_as_aws("DeleteItem")
        get_item = answered_as_aws("GetItem")
        query = answered_as_aws("Query")
        scan = answered_as_aws("Scan")
        batch_get_item = answered_as_aws("BatchGetItem")
        batch_write_item = answered_as_aws("BatchWriteItem")
        transact_get_items = answered_as_aws("TransactGetItems")
        transact_write_items = answered_as_aws("TransactWriteItems")

    return Service.for_provider(MotoDynamoDB(), dispatch_table_factory=MotoFallbackDispatcher)


@aws_provider(api="dynamodbstreams", name="moto")
def dynamodbstreams_moto():
    from localstack.aws.api.dynamodbstreams import DynamodbstreamsApi

    class MotoDynamoDBStreams(DynamodbstreamsApi):
        pass

    return Service.for_provider(
        MotoDynamoDBStreams(), dispatch_table_factory=MotoFallbackDispatcher
    )


@aws_provider(api="kinesis", name="moto")
def kinesis_moto():
    from localstack.aws.api.kinesis import KinesisApi

    class MotoKinesis(KinesisApi):
        pass

    return Service.for_provider(MotoKinesis(), dispatch_table_factory=MotoFallbackDispatcher)
