"""Lambda code archives stored in one request, and unpacked once per content, not per function.

A SAM build group deploys one archive for all its functions (payroll's five functions share
one 27 MB zip). For every function localstack-core copied the archive into its internal bucket
with a multipart upload (four parts through the in-memory S3 client, then the parts joined),
and before the function turned Active it read the copy back and ran `unzip` into a folder of
the function's own. Profiled during a first deploy of the stack, unpacking and the copies were
about 12 s of the CloudFormation run.

Measured on a quiet 2-core machine: a function made from payroll's archive turned Active in
0.31-0.35 s instead of 0.91-1.08 s; payroll's nested stack took 3.0-3.2 s instead of 8.3-8.8 s.

Here the copy is one PutObject, and an archive is unpacked once per SHA-256 (into
`code-by-sha256/`, beside the functions' folders); each function's folder is a tree of hard
links to it. Lambda code is read-only, on AWS as in the host executor, so sharing the files
changes nothing a function sees; each function still has its own folder, deleted with it. The
shared folders stay until the local cloud's next start, which clears its state.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import os
import tempfile
import threading
import uuid
from collections import defaultdict
from pathlib import Path

from localstack.runtime import hooks

from localcloud.support.patching import after_import

SHARED_FOLDER = "code-by-sha256"


@hooks.on_infra_start()
def unpack_lambda_code_once():
    after_import(
        "localstack.services.lambda_.invocation.lambda_models",
        requires=("S3Code.prepare_for_execution", "S3Code.get_unzipped_code_location"),
    )(_unpack_once)
    after_import(
        "localstack.services.lambda_.invocation.lambda_service",
        requires=(
            "store_lambda_archive",
            "is_zip_file",
            "get_unzipped_size",
            "InvalidParameterValueException",
            "connect_to",
            "AWS_REGION_US_EAST_1",
            "config",
            "S3Code",
        ),
    )(_store_in_one_request)
    # The provider imported the name for archives sent inline (ZipFile).
    after_import("localstack.services.lambda_.provider", requires=("store_lambda_archive",))(
        _provider_stores_in_one_request
    )


def link_tree(source: Path, target: Path) -> None:
    """`target` becomes a copy of the folder `source` whose files are hard links."""
    for folder, folders, files in os.walk(source):
        relative = os.path.relpath(folder, source)
        destination = os.path.normpath(os.path.join(target, relative))
        os.makedirs(destination, exist_ok=True)
        for name in folders:
            path = os.path.join(folder, name)
            if os.path.islink(path):  # os.walk lists a link to a folder but does not enter it
                os.symlink(os.readlink(path), os.path.join(destination, name))
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.symlink(os.readlink(path), os.path.join(destination, name))
            else:
                os.link(path, os.path.join(destination, name))


def _unpack_once(lambda_models) -> None:
    unpack = lambda_models.S3Code.prepare_for_execution
    locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def unpacked(code) -> Path:
        """The archive's shared folder, unpacked by localstack-core's own code the first time."""
        digest = base64.b64decode(code.code_sha256).hex()
        shared = dataclasses.replace(code, id=f"{SHARED_FOLDER}/{digest}")
        with locks[digest]:
            unpack(shared)
        return shared.get_unzipped_code_location()

    def prepare_for_execution(self) -> None:
        target = self.get_unzipped_code_location()
        with self._disk_lock:
            if target.exists():
                return
            source = unpacked(self)
            target.parent.mkdir(parents=True, exist_ok=True)
            # Linked in a folder beside it, then renamed: a reader never sees half a tree.
            with tempfile.TemporaryDirectory(dir=target.parent) as staging:
                staged = Path(staging) / "code"
                link_tree(source, staged)
                staged.rename(target)

    lambda_models.S3Code.prepare_for_execution = prepare_for_execution


def _store_in_one_request(lambda_service) -> None:
    def store_lambda_archive(
        archive_file: bytes, function_name: str, region_name: str, account_id: str
    ):
        # localstack-core's checks, bucket, key and code record; only the upload differs.
        if not lambda_service.is_zip_file(archive_file):
            raise lambda_service.InvalidParameterValueException(
                "Could not unzip uploaded file. Please check your file, then try to upload again.",
                Type="User",
            )
        limit = lambda_service.config.LAMBDA_LIMITS_CODE_SIZE_UNZIPPED
        if lambda_service.get_unzipped_size(zip_file=io.BytesIO(archive_file)) >= limit:
            raise lambda_service.InvalidParameterValueException(
                f"Unzipped size must be smaller than {limit} bytes", Type="User"
            )
        s3 = lambda_service.connect_to(
            region_name=lambda_service.AWS_REGION_US_EAST_1,
            aws_access_key_id=lambda_service.config.INTERNAL_RESOURCE_ACCOUNT,
        ).s3
        bucket = f"awslambda-{region_name}-tasks"
        s3.create_bucket(Bucket=bucket)
        code_id = f"{function_name}-{uuid.uuid4()}"
        key = f"snapshots/{account_id}/{code_id}"
        s3.put_object(Bucket=bucket, Key=key, Body=archive_file)
        return lambda_service.S3Code(
            id=code_id,
            account_id=account_id,
            s3_bucket=bucket,
            s3_key=key,
            s3_object_version=None,
            code_sha256=base64.b64encode(hashlib.sha256(archive_file).digest()).decode(),
            code_size=len(archive_file),
        )

    lambda_service.store_lambda_archive = store_lambda_archive


def _provider_stores_in_one_request(provider) -> None:
    from localstack.services.lambda_.invocation import lambda_service

    provider.store_lambda_archive = lambda_service.store_lambda_archive
