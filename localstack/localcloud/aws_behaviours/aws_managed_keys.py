"""AWS-managed keys (alias/aws/sns, alias/aws/sqs, ...) as AWS makes them.

A service's AWS-managed key comes into being in an account and region the first time it is
named there, with the key policy AWS gives such keys: any principal of the account may use it,
but only through that service (`kms:CallerAccount` and `kms:ViaService`), and the account may
read its metadata. Nobody may change that policy or the key. So a template that points a service
principal (CloudWatch's alarms, EventBridge) at a topic or queue under such a key is refused as
on AWS, once key policies are enforced.

LocalStack made a few of them on first use (not alias/aws/sns, sqs or kinesis) as ordinary
customer keys, with a customer key's default policy (the account may do anything, PutKeyPolicy
included); S3's default SSE-KMS key was a fresh customer key, not alias/aws/s3; DynamoDB's
(moto's) was made in moto's own KMS, where no key policy can be read. The policy is kept where
every key's is (the KMS store), so policy evaluation reads it like any other.
"""

from __future__ import annotations

import functools
import json

from localstack.runtime import hooks

from localcloud.support.patching import after_import

# The service each AWS-managed alias serves (its endpoint prefix). CloudWatch Logs and Step
# Functions have none: they use keys AWS owns, or a customer key.
SERVICE_OF_ALIAS = {
    "alias/aws/acm": "acm",
    "alias/aws/dynamodb": "dynamodb",
    "alias/aws/ebs": "ec2",
    "alias/aws/elasticfilesystem": "elasticfilesystem",
    "alias/aws/es": "es",
    "alias/aws/glue": "glue",
    "alias/aws/kinesis": "kinesis",
    "alias/aws/kinesisvideo": "kinesisvideo",
    "alias/aws/lambda": "lambda",
    "alias/aws/rds": "rds",
    "alias/aws/redshift": "redshift",
    "alias/aws/s3": "s3",
    "alias/aws/secretsmanager": "secretsmanager",
    "alias/aws/sns": "sns",
    "alias/aws/sqs": "sqs",
    "alias/aws/ssm": "ssm",
    "alias/aws/xray": "xray",
}

# What no one may do to an AWS-managed key: its policy grants none of it.
ADMINISTRATION = (
    ("PutKeyPolicy", "put_key_policy"),
    ("ScheduleKeyDeletion", "schedule_key_deletion"),
    ("DisableKey", "disable_key"),
    ("DisableKeyRotation", "disable_key_rotation"),
    ("UpdateKeyDescription", "update_key_description"),
    ("TagResource", "tag_resource"),
    ("UntagResource", "untag_resource"),
)


def key_policy(service: str, account_id: str, region: str, partition: str = "aws") -> str:
    """The key policy AWS gives a service's AWS-managed key."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": f"auto-{service}",
            "Statement": [
                {
                    "Sid": f"Allow access through {service} for all principals in the account"
                    f" that are authorized to use {service}",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": account_id,
                            "kms:ViaService": f"{service}.{region}.amazonaws.com",
                        }
                    },
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        }
    )


def refusal(action: str, key_arn: str, account_id: str) -> str:
    # The caller is named as the account: the credentials a user's tools send (test/test) are
    # the account's root, which this key's policy does not let administer it either.
    return (
        f"User: arn:aws:iam::{account_id}:root is not authorized to perform: kms:{action} on"
        f" resource: {key_arn} because no resource-based policy allows the kms:{action} action"
    )


@hooks.on_infra_start()
def make_aws_managed_keys_as_aws() -> None:
    after_import(
        "localstack.services.kms.provider",
        requires=(
            "KmsProvider._create_alias_if_reserved_and_not_exists",
            "KmsProvider._create_kms_key",
            "KmsProvider._create_kms_alias",
            "KmsProvider._get_kms_key",
            *(f"KmsProvider.{method}" for _, method in ADMINISTRATION),
        ),
    )(_patch_kms)
    after_import(
        "localstack.services.s3.provider", requires=("create_s3_kms_managed_key_for_region",)
    )(_patch_s3_default_key)
    # DynamoDB here is moto's, which made its default key in moto's own KMS, unknown to KMS.
    after_import("moto.dynamodb.models.table", requires=("Table._get_default_encryption_key",))(
        _patch_dynamodb_default_key
    )


def _patch_kms(provider_module) -> None:
    from localstack.aws.api.kms import CreateAliasRequest, CreateKeyRequest
    from localstack.services.kms.exceptions import AccessDeniedException
    from localstack.utils.aws.arns import get_partition

    provider = provider_module.KmsProvider
    stores = provider_module.kms_stores

    def create_aws_managed_key(account_id: str, region_name: str, alias_name: str) -> None:
        store = stores[account_id][region_name]
        service = SERVICE_OF_ALIAS.get(alias_name)
        if service is None or alias_name in store.aliases:
            return
        policy = key_policy(service, account_id, region_name, get_partition(region_name))
        request = CreateKeyRequest(
            Policy=policy,
            Description=f"Default key that protects my {service} data when no other key is defined",
        )
        key = provider._create_kms_key(account_id, region_name, request)
        key.metadata["KeyManager"] = "AWS"
        key.is_key_rotation_enabled = True  # AWS rotates them yearly
        target = CreateAliasRequest(AliasName=alias_name, TargetKeyId=key.metadata["KeyId"])
        provider._create_kms_alias(account_id, region_name, target)

    provider._create_alias_if_reserved_and_not_exists = staticmethod(create_aws_managed_key)

    def refused_for_aws_managed_keys(handler, action: str):
        @functools.wraps(handler)  # keeps LocalStack's @handler marks (operation, expand, ...)
        def refusing(self, context, request, *args, **kwargs):
            key = provider._get_kms_key(
                context.account_id, context.region, request.get("KeyId"), any_key_state_allowed=True
            )
            if key.metadata.get("KeyManager") == "AWS":
                arn = key.metadata["Arn"]
                raise AccessDeniedException(refusal(action, arn, context.account_id))
            return handler(self, context, request, *args, **kwargs)

        return refusing

    for action, method in ADMINISTRATION:
        setattr(provider, method, refused_for_aws_managed_keys(getattr(provider, method), action))


def _patch_s3_default_key(s3_provider_module) -> None:
    def aws_managed_s3_key(account_id: str, region_name: str) -> str:
        # SSE-KMS without a key id uses the account's aws/s3 key, as on AWS.
        from localstack.services.kms.provider import KmsProvider

        return KmsProvider._get_kms_key(account_id, region_name, "alias/aws/s3").metadata["Arn"]

    s3_provider_module.create_s3_kms_managed_key_for_region = aws_managed_s3_key


def _patch_dynamodb_default_key(table_module) -> None:
    def aws_managed_dynamodb_key(self, account_id: str, region: str) -> str:
        # A table encrypted with KMS but no key of its own uses the account's aws/dynamodb key.
        from localstack.services.kms.provider import KmsProvider

        return KmsProvider._get_kms_key(account_id, region, "alias/aws/dynamodb").metadata["Arn"]

    table_module.Table._get_default_encryption_key = aws_managed_dynamodb_key
