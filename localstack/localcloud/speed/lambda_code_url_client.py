"""GetFunction signs its code URL with one S3 client, not a new one every call.

localstack-core's GetFunction answers with a presigned URL of the function's code, and
`S3Code.generate_presigned_url` makes a new boto3 S3 client for each answer to sign it with
(loading S3's service model and endpoint rules every time). CloudFormation calls GetFunction after
creating each function and at every look while it is Pending, and Lambda's function_active
waiters do the same: under py-spy, during a first deploy of the stack, client creation was 87%
of GetFunction's time and GetFunction 57% of the Lambda function provider's. The client only
signs (it sends nothing), with fixed internal credentials, so one per endpoint is kept; the URL
signed is the same.
"""

from __future__ import annotations

import functools

from localcloud.support.patching import patch_plugin


@patch_plugin(
    "localstack.services.lambda_.invocation.lambda_models",
    requires=(
        "S3Code.generate_presigned_url",
        "boto3",
        "config",
        "AWS_REGION_US_EAST_1",
        "INTERNAL_AWS_SECRET_ACCESS_KEY",
    ),
)
def reuse_the_code_url_signing_client(lambda_models) -> None:
    @functools.lru_cache(maxsize=8)
    def signing_client(endpoint_url: str):
        return lambda_models.boto3.client(
            "s3",
            region_name=lambda_models.AWS_REGION_US_EAST_1,
            aws_access_key_id=lambda_models.config.INTERNAL_RESOURCE_ACCOUNT,
            aws_secret_access_key=lambda_models.INTERNAL_AWS_SECRET_ACCESS_KEY,
            endpoint_url=endpoint_url,
        )

    def generate_presigned_url(self, endpoint_url: str) -> str:
        params = {"Bucket": self.s3_bucket, "Key": self.s3_key}
        if self.s3_object_version:
            params["VersionId"] = self.s3_object_version
        return signing_client(endpoint_url).generate_presigned_url("get_object", Params=params)

    lambda_models.S3Code.generate_presigned_url = generate_presigned_url
