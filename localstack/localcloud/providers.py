"""DynamoDB, DynamoDB Streams and Kinesis served by moto inside LocalStack.

LocalStack's own providers need a JVM with a downloaded DynamoDB Local jar and an npm-downloaded
Kinesis emulator; neither can be fetched offline. moto (bundled with localstack-core) serves
every operation in-process. Selected with PROVIDER_OVERRIDE_<SERVICE>=moto.
"""

from localstack.services.moto import MotoFallbackDispatcher
from localstack.services.plugins import Service, aws_provider


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.aws.api.dynamodb import DynamodbApi

    class MotoDynamoDB(DynamodbApi):
        pass

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
