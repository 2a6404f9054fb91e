"""The resources the IAM mapping tests name, and what the local cloud's stores would say about
them (which are encrypted with a KMS key, tables' partition keys)."""

from __future__ import annotations

from dataclasses import dataclass, field

from localcloud.iam.arns import Place

HERE = Place("us-east-1", "000000000000")
ARN = "arn:aws:{}:us-east-1:000000000000:{}"
KEY = ARN.format("kms", "key/6d9c7f2e-0000-4000-8000-000000000001")
QUEUE = ARN.format("sqs", "comms-queue")
QUEUE_URL = "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/comms-queue"
TOPIC = ARN.format("sns", "operations")
TABLE = ARN.format("dynamodb", "table/applications")
STREAM = ARN.format("kinesis", "stream/applications")
SECRET = ARN.format("secretsmanager", "secret:resend-Ab12Cd")
MACHINE = ARN.format("states", "stateMachine:payroll")
EXECUTION = ARN.format("states", "execution:payroll:run-1")
TASK_DEFINITION = ARN.format("ecs", "task-definition/importer:3")
TASK_ROLE = "arn:aws:iam::000000000000:role/importer"
TASK_EXECUTION_ROLE = "arn:aws:iam::000000000000:role/importer-execution"
SEALED = b"ciphertext made under KEY"


@dataclass
class Facts:
    """What the local cloud's stores would say about the resources in these cases."""

    keys: dict[str, str] = field(default_factory=dict)
    partition_keys: dict[str, str] = field(default_factory=dict)

    def encryption_key(self, resource_arn: str) -> str | None:
        return self.keys.get(resource_arn)

    def partition_key(self, table_or_index_arn: str) -> str | None:
        return self.partition_keys.get(table_or_index_arn)

    def secret_arn(self, secret_id: str) -> str | None:
        return SECRET if secret_id == "resend" else None

    def stream_of_shard_iterator(self, shard_iterator: str) -> str | None:
        return STREAM if shard_iterator == "iterator-1" else None

    def task_roles(self, task_definition_arn: str) -> tuple[str | None, str | None]:
        return (
            (TASK_ROLE, TASK_EXECUTION_ROLE)
            if task_definition_arn == TASK_DEFINITION
            else (None, None)
        )

    def task_token_owner(self, task_token: str, place: Place) -> str | None:
        return MACHINE if task_token == "token-of-payroll" else None

    def key_arn(self, key_id: str, place: Place) -> str | None:
        """The one key there is, by its id, its ARN, or the alias `alias/data`."""
        names = {KEY, KEY.rsplit("/", 1)[1], "alias/data", ARN.format("kms", "alias/data")}
        return KEY if key_id in names else None

    def ciphertext_key(self, ciphertext: bytes) -> str | None:
        return KEY.rsplit("/", 1)[1] if ciphertext == SEALED else None


ENCRYPTED = Facts(
    keys={
        QUEUE: KEY,
        TOPIC: KEY,
        TABLE: KEY,
        STREAM: KEY,
        SECRET: KEY,
        "arn:aws:s3:::raw-data": KEY,
        "arn:aws:s3:::raw-data/in/a.csv": KEY,
    },
    partition_keys={TABLE: "applicationId", f"{TABLE}/index/byStatus": "status"},
)
PLAIN = Facts(partition_keys=ENCRYPTED.partition_keys)
