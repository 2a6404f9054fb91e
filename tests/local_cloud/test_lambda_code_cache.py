"""Functions that share one code archive (a SAM build group) get it unpacked once, and each
still behaves as a function of its own (localcloud/speed/lambda_code_cache.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from devkit.local_cloud import client, instance_folder, zip_sources

SOURCES = {
    "app.py": """
        from shop.prices import price

        def handler(event, context):
            return {"price": price(event["item"]), "function": context.function_name}
    """,
    "shop/__init__.py": "",
    "shop/prices.py": """
        PRICES = {"apple": 3}

        def price(item):
            return PRICES[item]
    """,
}


@pytest.fixture
def archive(local_cloud) -> Iterator[tuple[str, str, bytes]]:
    """(bucket, key, bytes) of a code archive in S3, as sam deploy leaves one."""
    s3 = client("s3")
    bucket = f"code-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    body = zip_sources(SOURCES)
    s3.put_object(Bucket=bucket, Key="group.zip", Body=body)
    yield bucket, "group.zip", body
    s3.delete_object(Bucket=bucket, Key="group.zip")
    s3.delete_bucket(Bucket=bucket)


def unpacked_file(function_name: str, path: str) -> Path:
    """A file of the function's code as the host executor runs it."""
    tasks = instance_folder() / "state" / "tmp" / "lambda" / "awslambda-us-east-1-tasks"
    (folder,) = tasks.glob(f"{function_name}-*")
    return folder / "code" / path


def invoke(name: str, event: dict) -> dict:
    answer = client("lambda").invoke(FunctionName=name, Payload=json.dumps(event))
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read())


def test_functions_sharing_an_archive_each_run_it_and_outlive_each_other(archive, lambda_function):
    # GIVEN three functions made from the same archive in S3
    bucket, key, body = archive
    lam = client("lambda")
    configs = [
        lam.get_function_configuration(
            FunctionName=lambda_function(Code={"S3Bucket": bucket, "S3Key": key})
        )
        for _ in range(3)
    ]

    # WHEN each is invoked, then two are deleted and the last is invoked again
    answers = [invoke(config["FunctionName"], {"item": "apple"}) for config in configs]
    inodes = {unpacked_file(c["FunctionName"], "shop/prices.py").stat().st_ino for c in configs}
    for config in configs[:2]:
        client("lambda").delete_function(FunctionName=config["FunctionName"])
    last = invoke(configs[2]["FunctionName"], {"item": "apple"})

    # THEN each ran the archive's code as itself, with Lambda's hash and size of the archive,
    # and the last still runs it with the others gone
    assert len(inodes) == 1, "unpacked once, its files linked into each function's folder"
    assert answers == [{"price": 3, "function": c["FunctionName"]} for c in configs]
    assert last == {"price": 3, "function": configs[2]["FunctionName"]}
    expected_sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert {(c["CodeSha256"], c["CodeSize"]) for c in configs} == {(expected_sha, len(body))}


def test_new_code_for_one_function_leaves_the_others_on_theirs(archive, lambda_function):
    # GIVEN two functions made from the same archive
    bucket, key, _ = archive
    first, second = (lambda_function(Code={"S3Bucket": bucket, "S3Key": key}) for _ in range(2))

    # WHEN the first gets new code, sent inline
    changed = dict(SOURCES, **{"shop/prices.py": "def price(item):\n    return 5\n"})
    lam = client("lambda")
    lam.update_function_code(FunctionName=first, ZipFile=zip_sources(changed))
    lam.get_waiter("function_updated_v2").wait(
        FunctionName=first, WaiterConfig={"Delay": 0.2, "MaxAttempts": 150}
    )

    # THEN the first runs the new code and the second the old
    assert invoke(first, {"item": "apple"})["price"] == 5
    assert invoke(second, {"item": "apple"})["price"] == 3


def test_an_archive_that_is_not_a_zip_is_refused_as_lambda_refuses_it(lambda_function):
    # GIVEN bytes that are not a zip archive
    # WHEN a function is created from them
    with pytest.raises(ClientError) as refused:
        lambda_function(Code={"ZipFile": b"not a zip archive"})

    # THEN Lambda's own error and message come back
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"].startswith("Could not unzip uploaded file")
