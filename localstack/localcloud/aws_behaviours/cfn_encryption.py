"""CloudFormation applies the encryption a template declares: a bucket's `BucketEncryption`, a
log group's `KmsKeyId` and a stream's `StreamEncryption`.

localstack-core's resource providers for `AWS::S3::Bucket`, `AWS::Logs::LogGroup` and
`AWS::Kinesis::Stream` dropped them: the stack's buckets came out with S3's default AES256, its
log groups and application stream with no key, though the template names the data key for each.
A key policy could then never be met on the local cloud, since nothing asked for the key.
"""

from __future__ import annotations

from localstack.runtime import hooks

from localcloud.support.patching import after_import


@hooks.on_infra_start()
def apply_declared_encryption() -> None:
    after_import(
        "localstack.services.s3.resource_providers.aws_s3_bucket",
        requires=("S3BucketProvider.create", "OperationStatus"),
    )(_encrypt_buckets)
    after_import(
        "localstack.services.logs.resource_providers.aws_logs_loggroup",
        requires=("LogsLogGroupProvider.create", "OperationStatus"),
    )(_encrypt_log_groups)
    after_import(
        "localstack.services.kinesis.resource_providers.aws_kinesis_stream",
        requires=("KinesisStreamProvider.create", "OperationStatus"),
    )(_encrypt_streams)


def _after_success(module, provider_class, apply) -> None:
    """Run apply(request, model) once the provider's create has succeeded."""
    create = provider_class.create

    def create_then_apply(self, request):
        event = create(self, request)
        if event.status == module.OperationStatus.SUCCESS:
            apply(request, event.resource_model)
        return event

    provider_class.create = create_then_apply


def _encrypt_buckets(module) -> None:
    def apply(request, model) -> None:
        if rules := (model.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration"):
            request.aws_client_factory.s3.put_bucket_encryption(
                Bucket=model["BucketName"],
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule[
                                "ServerSideEncryptionByDefault"
                            ],
                            "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                        }
                        for rule in rules
                    ]
                },
            )

    _after_success(module, module.S3BucketProvider, apply)


def _encrypt_log_groups(module) -> None:
    def apply(request, model) -> None:
        if key := model.get("KmsKeyId"):
            # LocalStack's Logs is moto's, which has no AssociateKmsKey: the group is told directly.
            from localstack.services.logs.models import get_moto_logs_backend

            backend = get_moto_logs_backend(request.account_id, request.region_name)
            backend.groups[model["LogGroupName"]].kms_key_id = key

    _after_success(module, module.LogsLogGroupProvider, apply)


def _encrypt_streams(module) -> None:
    def apply(request, model) -> None:
        if encryption := model.get("StreamEncryption"):
            request.aws_client_factory.kinesis.start_stream_encryption(
                StreamName=model["Name"],
                EncryptionType=encryption["EncryptionType"],
                KeyId=encryption["KeyId"],
            )

    _after_success(module, module.KinesisStreamProvider, apply)
