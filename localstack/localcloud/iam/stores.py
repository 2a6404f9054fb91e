"""The policies and resource facts enforcement needs, read from LocalStack's in-memory stores:
a role's identity policies (inline, customer managed, AWS managed from LocalStack's copy of
AWS's documents), the resource policies of buckets, queues, topics, functions and keys, a
role's trust policy, and what a request does not say (a queue's key, a table's partition key).

Reading a store is a few dictionary look-ups; parsing a document is what costs, so each
document text is parsed once (`_parsed`). A changed policy is a new text, so nothing stale is
ever judged and no invalidation hook is needed.
"""

from __future__ import annotations

import json
import struct
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from localcloud.iam.arns import Place
from localcloud.iam.policies import Policy, ResourcePolicy, ResourcePolicyKind

DEFAULT_ACCOUNT = "000000000000"
# Policies whose text is kept parsed; far more than a stack has (each role's and resource's).
_PARSED_LIMIT = 4096
_parsed_lock = threading.Lock()
_parsed_cache: dict[tuple[str, str, ResourcePolicyKind | None], Policy] = {}


def _parsed(text: str, name: str, kind: ResourcePolicyKind | None = None) -> Policy:
    """The policy of a document text, parsed once (IAM keeps its documents URL-encoded)."""
    key = (text, name, kind)
    policy = _parsed_cache.get(key)
    if policy is None:
        document = text if text.lstrip().startswith("{") else unquote(text)
        if kind is None:
            policy = Policy(document, name=name)
        else:
            policy = ResourcePolicy(document, name=name, kind=kind)
        with _parsed_lock:
            if len(_parsed_cache) >= _PARSED_LIMIT:
                _parsed_cache.clear()
            _parsed_cache[key] = policy
    return policy


def _arn_parts(arn: str) -> list[str]:
    """`arn:partition:service:region:account:resource` split in six (fewer when not an ARN)."""
    return arn.split(":", 5)


# --- identity policies --------------------------------------------------------------------------


@cache
def _aws_managed_documents() -> dict[str, str]:
    """AWS managed policies by ARN, from the copy of AWS's documents LocalStack ships."""
    import localstack.services.iam.provider as iam_provider

    path = Path(iam_provider.__file__).with_name("resources") / "aws_managed_policies.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        f"arn:aws:iam::aws:policy{entry['Path']}{name}": json.dumps(entry["Document"])
        for name, entry in data.items()
    }


def _managed_policy(store, arn: str) -> Policy | None:
    """A managed policy's default version: the account's own, or AWS's."""
    entity = store.MANAGED_POLICIES.get(arn)
    if entity is not None:
        version = entity.versions.get(entity.policy.get("DefaultVersionId", ""))
        return _parsed(version["Document"], arn) if version else None
    document = _aws_managed_documents().get(arn.replace(arn.split(":")[1], "aws", 1))
    return _parsed(document, arn) if document else None


def _role_name(principal: str) -> tuple[str, str] | None:
    """(account, role name) of an assumed-role session's ARN or a role's ARN."""
    parts = _arn_parts(principal)
    if len(parts) != 6:
        return None
    resource = parts[5]
    if resource.startswith("assumed-role/"):
        return parts[4], resource.split("/")[1]
    if resource.startswith("role/"):
        return parts[4], resource.rsplit("/", 1)[1]
    return None


def role_policies(principal: str) -> list[Policy]:
    """The identity policies of a session's (or role's) role: inline, then attached."""
    from localstack.services.iam.models import iam_stores

    found = _role_name(principal)
    if found is None:
        return []
    account, name = found
    store = iam_stores[account]["us-east-1"]
    entity = store.ROLES.get(name)
    if entity is None:
        return []
    policies = [
        _parsed(text, f"{name}/{policy_name}")
        for policy_name, text in list(entity.inline_policies.items())
    ]
    attached = (_managed_policy(store, arn) for arn in list(entity.attached_policy_arns))
    return policies + [policy for policy in attached if policy is not None]


def user_of_key(account: str, access_key_id: str) -> str | None:
    """The ARN of the IAM user an access key belongs to, or None."""
    from localstack.services.iam.models import iam_stores

    store = iam_stores[account]["us-east-1"]
    name = store.ACCESS_KEY_INDEX.get(access_key_id)
    entity = store.USERS.get(name) if name else None
    return entity.user["Arn"] if entity is not None else None


def user_policies(principal: str) -> list[Policy]:
    """An IAM user's identity policies: its own inline and attached ones, then its groups'."""
    from localstack.services.iam.models import iam_stores

    _, _, _, _, account, resource = _arn_parts(principal)
    store = iam_stores[account]["us-east-1"]
    name = resource.rsplit("/", 1)[1]
    user = store.USERS.get(name)
    if user is None:
        return []
    holders = [(name, user)] + [
        (group_name, group)
        for group_name, group in list(store.GROUPS.items())
        if name in group.member_user_names
    ]
    policies: list[Policy] = []
    for holder, entity in holders:
        policies += [
            _parsed(text, f"{holder}/{policy}") for policy, text in entity.inline_policies.items()
        ]
        attached = (_managed_policy(store, arn) for arn in list(entity.attached_policy_arns))
        policies += [policy for policy in attached if policy is not None]
    return policies


def trust_policy(role_arn: str) -> ResourcePolicy | None:
    from localstack.services.iam.models import iam_stores

    found = _role_name(role_arn)
    if found is None:
        return None
    account, name = found
    entity = iam_stores[account]["us-east-1"].ROLES.get(name)
    if entity is None:
        return None
    text = entity.role.get("AssumeRolePolicyDocument") or ""
    return _parsed(text, role_arn, ResourcePolicyKind.TRUST) if text else None


# --- resource policies --------------------------------------------------------------------------


def _bucket(name: str):
    from localstack.services.s3.models import s3_stores

    # The map of bucket names to accounts is shared by every account's store.
    account_id = s3_stores[DEFAULT_ACCOUNT]["us-east-1"].global_bucket_map.get(name)
    return s3_stores[account_id]["us-east-1"].buckets.get(name) if account_id else None


def _bucket_policy(resource: str) -> ResourcePolicy | None:
    """A bucket's policy covers the bucket and its objects (`arn:aws:s3:::<bucket>[/<key>]`)."""
    bucket = _bucket(_arn_parts(resource)[5].split("/", 1)[0])
    if bucket is None or not bucket.policy:
        return None
    return _parsed(bucket.policy, bucket.bucket_arn, ResourcePolicyKind.RESOURCE)


def _queue(resource: str):
    from localstack.services.sqs.models import sqs_stores

    _, _, _, region, account, name = _arn_parts(resource)
    return sqs_stores[account][region].queues.get(name)


def _queue_policy(resource: str) -> ResourcePolicy | None:
    queue = _queue(resource)
    text = queue.attributes.get("Policy") if queue is not None else None
    return _parsed(text, resource, ResourcePolicyKind.RESOURCE) if text else None


def _topic(resource: str):
    from localstack.services.sns.models import sns_stores

    _, _, _, region, account, _ = _arn_parts(resource)
    return sns_stores[account][region].topics.get(resource)


def _topic_policy(resource: str) -> ResourcePolicy | None:
    topic = _topic(resource)
    text = topic["attributes"].get("Policy") if topic is not None else None
    return _parsed(text, resource, ResourcePolicyKind.RESOURCE) if text else None


def _function_policy(resource: str) -> ResourcePolicy | None:
    """The policy of the function, or of the version or alias the ARN qualifies."""
    import dataclasses

    from localstack.services.lambda_.invocation.models import lambda_stores

    _, _, _, region, account, rest = _arn_parts(resource)
    fields = rest.split(":")  # function:<name>[:<qualifier>]
    function = lambda_stores[account][region].functions.get(fields[1])
    if function is None:
        return None
    qualifier = fields[2] if len(fields) > 2 else "$LATEST"
    permission = function.permissions.get(qualifier)
    if permission is None or not permission.policy.Statement:
        return None
    text = json.dumps(dataclasses.asdict(permission.policy))
    return _parsed(text, resource, ResourcePolicyKind.RESOURCE)


def kms_key(resource: str):
    """The key a key ARN or an alias ARN names, or None."""
    from localstack.services.kms.models import kms_stores

    _, _, _, region, account, rest = _arn_parts(resource)
    store = kms_stores[account][region]
    if rest.startswith("alias/"):
        alias = store.aliases.get(rest)
        if alias is None:
            return None
        rest = f"key/{alias.metadata['TargetKeyId']}"
    return store.keys.get(rest.removeprefix("key/"))


def _key_policy(resource: str) -> ResourcePolicy | None:
    """Every key has a policy; a key the local cloud does not have has none to allow with."""
    key = kms_key(resource)
    text = key.policy if key is not None else None
    return _parsed(text, key.metadata["Arn"], ResourcePolicyKind.KEY) if text else None


def secret(secret_id: str, region: str, account: str):
    """A secret by name, full ARN or partial ARN (moto's store, which LocalStack uses)."""
    from moto.secretsmanager import secretsmanager_backends

    return secretsmanager_backends[account][region].secrets.get(secret_id)


def _secret_policy(resource: str) -> ResourcePolicy | None:
    _, _, _, region, account, _ = _arn_parts(resource)
    found = secret(resource, region, account)
    text = getattr(found, "policy", None)
    return _parsed(text, found.arn, ResourcePolicyKind.RESOURCE) if text else None


def api_policy(rest_api: dict, region: str, account: str) -> ResourcePolicy | None:
    """A REST API's resource policy as API Gateway keeps it: its text JSON-escaped once more
    (as GetRestApi returns it) and a Resource abbreviated `execute-api:/...` read as the API's
    own ARN."""
    text = rest_api.get("policy")
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        document = json.loads(text.replace('\\"', '"'))
    if isinstance(document, str):
        document = json.loads(document)
    own = f"arn:aws:execute-api:{region}:{account}:{rest_api['id']}/"
    expanded = json.dumps(document).replace('"execute-api:/', f'"{own}')
    return _parsed(expanded, own.rstrip("/"), ResourcePolicyKind.RESOURCE)


def _deployed_api_policy(resource: str) -> ResourcePolicy | None:
    """The policy of the deployment a method ARN's stage serves (a changed policy applies at the
    next deployment, as on AWS)."""
    from localstack.services.apigateway.models import apigateway_stores

    _, _, _, region, account, rest = _arn_parts(resource)
    api_id, _, rest = rest.partition("/")
    stage = rest.split("/", 1)[0]
    store = apigateway_stores[account][region]
    deployment_id = store.active_deployments.get(api_id.lower(), {}).get(stage)
    deployment = store.internal_deployments.get(api_id.lower(), {}).get(deployment_id or "")
    if deployment is None:
        return None
    return api_policy(deployment.rest_api.rest_api, region, account)


_RESOURCE_POLICIES = {
    "execute-api": _deployed_api_policy,
    "s3": _bucket_policy,
    "sqs": _queue_policy,
    "sns": _topic_policy,
    "lambda": _function_policy,
    "kms": _key_policy,
    "secretsmanager": _secret_policy,
}


class StorePolicies:
    """The PolicySource of the running local cloud."""

    def identity_policies(self, principal: str) -> Sequence[Policy]:
        if ":user/" in principal:
            return user_policies(principal)
        return role_policies(principal)

    def resource_policy(self, resource: str, action: str) -> ResourcePolicy | None:
        parts = _arn_parts(resource)
        if len(parts) != 6:
            return None
        service = parts[2]
        if service == "iam":
            return trust_policy(resource) if action.startswith("sts:AssumeRole") else None
        read = _RESOURCE_POLICIES.get(service)
        return read(resource) if read else None

    def resource_account(self, resource: str) -> str:
        parts = _arn_parts(resource)
        if len(parts) == 6 and parts[2] == "s3":
            bucket = _bucket(parts[5].split("/", 1)[0])
            return bucket.bucket_account_id if bucket is not None else ""
        return ""


# --- what a request does not say ----------------------------------------------------------------


class StoreFacts:
    """The ResourceFacts of the running local cloud."""

    def encryption_key(self, resource_arn: str) -> str | None:
        parts = _arn_parts(resource_arn)
        if len(parts) != 6:
            return None
        service, region, account = parts[2], parts[3], parts[4]
        named = None
        if service == "sqs":
            queue = _queue(resource_arn)
            named = queue.attributes.get("KmsMasterKeyId") if queue is not None else None
        elif service == "sns":
            topic = _topic(resource_arn)
            named = topic["attributes"].get("KmsMasterKeyId") if topic is not None else None
        elif service == "secretsmanager":
            found = secret(resource_arn, region, account)
            named = getattr(found, "kms_key_id", None) or "alias/aws/secretsmanager"
        elif service == "s3":
            named = _bucket_key(parts[5].split("/", 1)[0])
            region, account = "us-east-1", account or DEFAULT_ACCOUNT
        return _key_arn(named, region, account) if named else None

    def partition_key(self, table_or_index_arn: str) -> str | None:
        return None

    def secret_arn(self, secret_id: str) -> str | None:
        """Only the account's default region is searched for a secret named without its ARN."""
        if secret_id.startswith("arn:"):
            _, _, _, region, account, _ = _arn_parts(secret_id)
        else:
            region, account = "us-east-1", DEFAULT_ACCOUNT
        found = secret(secret_id, region, account)
        return found.arn if found is not None else None

    def stream_of_shard_iterator(self, shard_iterator: str) -> str | None:
        return None

    def task_roles(self, task_definition_arn: str) -> tuple[str | None, str | None]:
        """From moto's ECS store (localcloud/ecs keeps task definitions there)."""
        from moto.core.exceptions import ServiceException
        from moto.ecs.models import ecs_backends

        _, _, _, region, account, _ = _arn_parts(task_definition_arn)
        try:
            found = ecs_backends[account][region].describe_task_definition(task_definition_arn)
        except (ServiceException, KeyError):
            return None, None
        # moto sets each only when the definition names it.
        return getattr(found, "task_role_arn", None), getattr(found, "execution_role_arn", None)

    def task_token_owner(self, task_token: str, place: Place) -> str | None:
        from localstack.services.stepfunctions.asl.eval.callback.callback import (
            ActivityCallbackEndpoint,
        )
        from localstack.services.stepfunctions.backend.models import sfn_stores

        for execution in list(sfn_stores[place.account][place.region].executions.values()):
            worker = execution.exec_worker
            endpoint = worker.env.callback_pool_manager.get(task_token) if worker else None
            if endpoint is not None and not isinstance(endpoint, ActivityCallbackEndpoint):
                return execution.state_machine_arn
        return None

    def key_arn(self, key_id: str, place: Place) -> str | None:
        return _key_arn(key_id, place.region, place.account)

    def ciphertext_key(self, ciphertext: bytes) -> str | None:
        from localstack.services.kms.models import deserialize_ciphertext_blob

        try:
            return deserialize_ciphertext_blob(ciphertext).key_id
        except (struct.error, UnicodeDecodeError):
            return None  # not a ciphertext KMS made: it refuses it (InvalidCiphertextException)


def _bucket_key(bucket_name: str) -> str | None:
    bucket = _bucket(bucket_name)
    rule = bucket.encryption_rule if bucket is not None else None
    default = (rule or {}).get("Rules", [{}])[0].get("ApplyServerSideEncryptionByDefault", {})
    return default.get("KMSMasterKeyID") if default.get("SSEAlgorithm") == "aws:kms" else None


def _key_arn(named: str, region: str, account: str) -> str | None:
    """The key ARN a queue's, topic's or bucket's key setting names (an id, alias or ARN),
    resolved through aliases; None when the local cloud has no such key."""
    if named.startswith("arn:"):
        arn = named
    elif named.startswith("alias/"):
        arn = f"arn:aws:kms:{region}:{account}:{named}"
    else:
        arn = f"arn:aws:kms:{region}:{account}:key/{named}"
    key = kms_key(arn)
    return key.metadata["Arn"] if key is not None else None
