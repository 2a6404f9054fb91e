"""Requests judged as the IAM User Guide's "Policy evaluation logic" describes: explicit deny
wins, who must allow within one account and across accounts, key and trust policies, service
principals, the policy elements and AWS's AccessDenied messages."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.iam.conditions import InvalidPolicy
from localcloud.iam.evaluation import Request, access_denied_message, evaluate
from localcloud.iam.policies import Policy, ResourcePolicy, ResourcePolicyKind

ACCOUNT = "000000000000"
OTHER = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/payroll-process"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/payroll-process/process-data"
OTHER_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/auditor/audit"
USER = f"arn:aws:iam::{ACCOUNT}:user/ada"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/payroll-runs"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:comms-retry"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:operations"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/comms-retry"
ALARM = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:payroll-failed"


def statement(effect: str = "Allow", **elements: Any) -> dict[str, Any]:
    return {"Effect": effect, **elements}


def identity(*statements: dict[str, Any], name: str = "payroll-process/inline") -> Policy:
    return Policy({"Version": "2012-10-17", "Statement": list(statements)}, name=name)


def resource_policy(
    *statements: dict[str, Any], kind: ResourcePolicyKind = ResourcePolicyKind.RESOURCE
) -> ResourcePolicy:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return ResourcePolicy(document, name="the resource's policy", kind=kind)


def allow_put(resource: str = TABLE) -> Policy:
    return identity(statement(Action="dynamodb:PutItem", Resource=resource))


def put(principal: str = SESSION, resource: str = TABLE, **context: Any) -> Request:
    return Request(principal, "dynamodb:PutItem", [resource], context)


# --- Refusal messages ("Troubleshoot access denied error messages") ---------------------------


def test_no_allow_is_refused_with_awss_exact_message() -> None:
    # GIVEN a role session whose identity policies allow nothing
    # WHEN it puts an item
    decision = evaluate(put(), [])
    # THEN it is refused with AWS's words, naming the session, action and resource
    assert not decision.allowed
    assert decision.message == (
        f"User: {SESSION} is not authorized to perform: dynamodb:PutItem on resource: {TABLE}"
        " because no identity-based policy allows the dynamodb:PutItem action"
    )
    assert decision.statement is None


def test_an_action_on_no_particular_resource_names_none() -> None:
    # GIVEN an action whose resource is "*" WHEN refused THEN the message names no resource
    decision = evaluate(Request(SESSION, "sqs:ListQueues", ["*"]), [])
    assert decision.message == (
        f"User: {SESSION} is not authorized to perform: sqs:ListQueues"
        " because no identity-based policy allows the sqs:ListQueues action"
    )


def test_the_message_builder_is_usable_alone() -> None:
    # GIVEN a refusal decided elsewhere WHEN its message is built THEN it has AWS's format
    assert access_denied_message(USER, "s3:GetObject", "arn:aws:s3:::b/k", "because x") == (
        f"User: {USER} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k"
        " because x"
    )


# --- Explicit deny wins -----------------------------------------------------------------------


def test_an_explicit_deny_in_an_identity_policy_beats_an_allow() -> None:
    # GIVEN identity policies allowing everything and denying PutItem
    policies = [
        identity(statement(Action="*", Resource="*")),
        identity(statement("Deny", Action="dynamodb:PutItem", Resource=TABLE), name="guard"),
    ]
    # WHEN the session puts an item
    decision = evaluate(put(), policies)
    # THEN it is refused by that deny, which the decision names
    assert not decision.allowed
    assert decision.message.endswith(" with an explicit deny in an identity-based policy")
    assert decision.policy.name == "guard"
    assert decision.statement["Effect"] == "Deny"


def test_an_explicit_deny_in_a_resource_policy_beats_an_identity_allow() -> None:
    # GIVEN an identity allow and a queue policy denying everyone without TLS
    deny_plain = statement(
        "Deny",
        Principal="*",
        Action="sqs:*",
        Resource=QUEUE,
        Condition={"Bool": {"aws:SecureTransport": "false"}},
    )
    request = Request(SESSION, "sqs:SendMessage", [QUEUE], {"aws:SecureTransport": False})
    allowed = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    # WHEN the session sends over plain HTTP
    decision = evaluate(request, [allowed], resource_policy(deny_plain))
    # THEN the resource policy's deny wins
    assert decision.message.endswith(" with an explicit deny in a resource-based policy")
    # and over TLS the identity allow stands
    secure = Request(SESSION, "sqs:SendMessage", [QUEUE], {"aws:SecureTransport": True})
    assert evaluate(secure, [allowed], resource_policy(deny_plain)).allowed


def test_a_resource_policy_deny_reaches_every_principal_of_a_named_account() -> None:
    # GIVEN a bucket policy denying the account (its root) a delete
    deny = statement("Deny", Principal={"AWS": ACCOUNT}, Action="s3:DeleteObject", Resource="*")
    request = Request(SESSION, "s3:DeleteObject", ["arn:aws:s3:::reports/r.csv"])
    # WHEN a session of that account deletes, though its identity allows it
    decision = evaluate(
        request, [identity(statement(Action="s3:*", Resource="*"))], resource_policy(deny)
    )
    # THEN it is refused
    assert decision.message.endswith("with an explicit deny in a resource-based policy")


# --- Within one account ----------------------------------------------------------------------


def test_within_an_account_an_identity_allow_suffices() -> None:
    # GIVEN an identity allow and no resource policy WHEN put THEN allowed by that statement
    decision = evaluate(put(), [allow_put()])
    assert decision.allowed
    assert decision.statement == {
        "Effect": "Allow",
        "Action": "dynamodb:PutItem",
        "Resource": TABLE,
    }


@pytest.mark.parametrize("named", [ROLE, SESSION])
def test_within_an_account_a_resource_policy_naming_the_caller_suffices(named: str) -> None:
    # GIVEN a queue policy naming the role (or its session), and no identity policy
    policy = resource_policy(
        statement(Principal={"AWS": named}, Action="sqs:SendMessage", Resource=QUEUE)
    )
    # WHEN the session sends THEN the resource policy alone allows it
    decision = evaluate(Request(SESSION, "sqs:SendMessage", [QUEUE]), [], policy)
    assert decision.allowed
    assert decision.policy.name == "the resource's policy"


def test_a_role_named_with_its_path_matches_its_sessions() -> None:
    # GIVEN a policy naming a role with a path (a session's ARN drops the path)
    with_path = f"arn:aws:iam::{ACCOUNT}:role/service-role/payroll-process"
    policy = resource_policy(
        statement(Principal={"AWS": with_path}, Action="sqs:SendMessage", Resource=QUEUE)
    )
    # WHEN the session sends, its aws:PrincipalArn given as AWS sets it
    request = Request(SESSION, "sqs:SendMessage", [QUEUE], {"aws:PrincipalArn": with_path})
    # THEN the role is recognised
    assert evaluate(request, [], policy).allowed


def test_within_an_account_a_resource_policy_naming_only_the_account_needs_an_identity_allow() -> (
    None
):
    # GIVEN a queue policy naming the account root
    policy = resource_policy(
        statement(Principal={"AWS": ROOT}, Action="sqs:SendMessage", Resource=QUEUE)
    )
    request = Request(SESSION, "sqs:SendMessage", [QUEUE])
    # WHEN a session without an identity allow sends THEN refused by its identity policies
    assert evaluate(request, [], policy).message.endswith(
        "because no identity-based policy allows the sqs:SendMessage action"
    )
    # and with one, allowed
    allowed = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    assert evaluate(request, [allowed], policy).allowed


def test_a_resource_policy_naming_someone_else_grants_nothing() -> None:
    # GIVEN a queue policy naming another role WHEN the session sends THEN refused
    policy = resource_policy(
        statement(
            Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"},
            Action="sqs:SendMessage",
            Resource=QUEUE,
        )
    )
    assert not evaluate(Request(SESSION, "sqs:SendMessage", [QUEUE]), [], policy).allowed


def test_the_account_root_is_allowed_everything_in_its_account() -> None:
    # GIVEN the account root (credentials the local cloud did not issue) and no policies
    # WHEN it puts an item THEN allowed, with no statement needed
    decision = evaluate(put(principal=ROOT), [])
    assert decision.allowed
    assert decision.statement is None


def test_the_account_root_is_still_refused_by_a_resource_policy_deny() -> None:
    # GIVEN a queue policy denying everyone WHEN the root sends THEN refused
    deny = statement("Deny", Principal="*", Action="sqs:*", Resource=QUEUE)
    request = Request(ROOT, "sqs:SendMessage", [QUEUE])
    assert not evaluate(request, [], resource_policy(deny)).allowed


# --- Across accounts -------------------------------------------------------------------------


def test_across_accounts_the_identity_allow_alone_is_not_enough() -> None:
    # GIVEN a session of another account allowed by its identity policies, no queue policy
    request = Request(OTHER_SESSION, "sqs:SendMessage", [QUEUE])
    allowed = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    # WHEN it sends THEN the queue's (missing) policy refuses it
    assert evaluate(request, [allowed]).message.endswith(
        "because no resource-based policy allows the sqs:SendMessage action"
    )


def test_across_accounts_the_resource_allow_alone_is_not_enough() -> None:
    # GIVEN a queue policy naming the other account's role, and no identity allow there
    policy = resource_policy(
        statement(
            Principal={"AWS": f"arn:aws:iam::{OTHER}:role/auditor"},
            Action="sqs:SendMessage",
            Resource=QUEUE,
        )
    )
    request = Request(OTHER_SESSION, "sqs:SendMessage", [QUEUE])
    # WHEN it sends THEN its own identity policies refuse it
    assert evaluate(request, [], policy).message.endswith(
        "because no identity-based policy allows the sqs:SendMessage action"
    )


@pytest.mark.parametrize("named", [OTHER, f"arn:aws:iam::{OTHER}:root", "*"])
def test_across_accounts_both_allowing_is_enough(named: str) -> None:
    # GIVEN a queue policy naming the other account (by id, root or "*"), and an identity allow
    policy = resource_policy(
        statement(Principal={"AWS": named}, Action="sqs:SendMessage", Resource=QUEUE)
    )
    allowed = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    # WHEN its session sends THEN allowed
    assert evaluate(Request(OTHER_SESSION, "sqs:SendMessage", [QUEUE]), [allowed], policy).allowed


def test_an_arn_without_an_account_belongs_to_the_given_resource_account() -> None:
    # GIVEN an S3 object of the other account (its ARN names no account) and an identity allow
    request = Request(SESSION, "s3:GetObject", ["arn:aws:s3:::their-bucket/k"])
    allowed = identity(statement(Action="s3:GetObject", Resource="arn:aws:s3:::their-bucket/*"))
    # WHEN read with no bucket policy THEN refused as a cross-account request
    decision = evaluate(request, [allowed], resource_account=OTHER)
    assert decision.message.endswith(
        "because no resource-based policy allows the s3:GetObject action"
    )
    # and within the caller's own account, allowed
    assert evaluate(request, [allowed], resource_account=ACCOUNT).allowed


# --- KMS key policies and role trust policies -------------------------------------------------

KEY_POLICY = ResourcePolicyKind.KEY


def decrypt(principal: str = SESSION, **context: Any) -> Request:
    return Request(principal, "kms:Decrypt", [KEY], context)


def allow_decrypt() -> Policy:
    return identity(statement(Action="kms:Decrypt", Resource=KEY))


def test_a_key_policy_that_does_not_allow_refuses_even_an_identity_allow() -> None:
    # GIVEN a key policy for another role only, and an identity allow
    policy = resource_policy(
        statement(
            Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/x"}, Action="kms:*", Resource="*"
        ),
        kind=KEY_POLICY,
    )
    # WHEN the session decrypts THEN the key policy refuses it
    assert evaluate(decrypt(), [allow_decrypt()], policy).message.endswith(
        "because no resource-based policy allows the kms:Decrypt action"
    )


def test_a_key_policy_delegating_to_the_account_needs_an_identity_allow() -> None:
    # GIVEN the default key policy: the account root may do everything
    policy = resource_policy(
        statement(Principal={"AWS": ROOT}, Action="kms:*", Resource="*"), kind=KEY_POLICY
    )
    # WHEN the session decrypts without an identity allow THEN refused by identity policies
    assert evaluate(decrypt(), [], policy).message.endswith(
        "because no identity-based policy allows the kms:Decrypt action"
    )
    # and with one, allowed
    assert evaluate(decrypt(), [allow_decrypt()], policy).allowed


def test_a_key_policy_naming_the_role_allows_without_an_identity_policy() -> None:
    # GIVEN a key policy naming the role WHEN its session decrypts THEN allowed
    policy = resource_policy(
        statement(Principal={"AWS": ROLE}, Action="kms:Decrypt", Resource="*"), kind=KEY_POLICY
    )
    assert evaluate(decrypt(), [], policy).allowed


def test_an_aws_managed_key_serves_the_account_only_through_its_service() -> None:
    # GIVEN alias/aws/sns's key policy: any principal of the account, through SNS only
    policy = resource_policy(
        statement(
            Principal={"AWS": "*"},
            Action=["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource="*",
            Condition={
                "StringEquals": {
                    "kms:CallerAccount": ACCOUNT,
                    "kms:ViaService": "sns.us-east-1.amazonaws.com",
                }
            },
        ),
        kind=KEY_POLICY,
    )
    via_sns = {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "sns.us-east-1.amazonaws.com"}
    # WHEN a session uses it through SNS THEN allowed, with no identity policy
    assert evaluate(decrypt(**via_sns), [], policy).allowed
    # and directly, refused
    assert not evaluate(decrypt(**{"kms:CallerAccount": ACCOUNT}), [], policy).allowed
    # and the CloudWatch service principal, which has no caller account, is refused
    through_sns = {"kms:ViaService": "sns.us-east-1.amazonaws.com"}
    service = Request("cloudwatch.amazonaws.com", "kms:GenerateDataKey", [KEY], through_sns)
    assert evaluate(service, [], policy).message.endswith(
        "because no resource-based policy allows the kms:GenerateDataKey action"
    )


def test_a_trust_policy_decides_who_may_assume_the_role() -> None:
    # GIVEN a Lambda execution role's trust policy
    trust = resource_policy(
        statement(Principal={"Service": "lambda.amazonaws.com"}, Action="sts:AssumeRole"),
        kind=ResourcePolicyKind.TRUST,
    )

    def assume(principal: str) -> Request:
        return Request(principal, "sts:AssumeRole", [ROLE])

    # WHEN Lambda assumes it THEN allowed; WHEN Step Functions does THEN refused
    assert evaluate(assume("lambda.amazonaws.com"), [], trust).allowed
    assert not evaluate(assume("states.amazonaws.com"), [], trust).allowed
    # and a user of the account with sts:AssumeRole on it is still refused: the trust policy
    # must allow
    may_assume = identity(statement(Action="sts:AssumeRole", Resource=ROLE))
    assert evaluate(assume(USER), [may_assume], trust).message.endswith(
        "because no resource-based policy allows the sts:AssumeRole action"
    )


# --- Service principals ----------------------------------------------------------------------


def deliver(principal: str, **context: Any) -> Request:
    return Request(principal, "sqs:SendMessage", [QUEUE], context)


EVENTS_MAY_SEND = statement(
    Principal={"Service": "events.amazonaws.com"},
    Action="sqs:SendMessage",
    Resource=QUEUE,
    Condition={"ArnEquals": {"aws:SourceArn": RULE}},
)


def test_a_service_is_judged_by_the_resource_policy_alone() -> None:
    # GIVEN a queue policy letting EventBridge's rule deliver
    policy = resource_policy(EVENTS_MAY_SEND)
    # WHEN the rule delivers THEN allowed
    assert evaluate(deliver("events.amazonaws.com", **{"aws:SourceArn": RULE}), [], policy).allowed
    # WHEN another rule delivers THEN refused by the resource policy
    other_rule = f"{RULE}-other"
    refused = evaluate(deliver("events.amazonaws.com", **{"aws:SourceArn": other_rule}), [], policy)
    assert refused.message.endswith(
        "because no resource-based policy allows the sqs:SendMessage action"
    )


def test_a_service_without_a_resource_policy_is_refused() -> None:
    # GIVEN no queue policy WHEN EventBridge delivers THEN refused, whatever identity policies
    everything = identity(statement(Action="*", Resource="*"))
    decision = evaluate(deliver("events.amazonaws.com"), [everything])
    assert not decision.allowed


def test_a_service_principal_matches_only_its_own_name() -> None:
    # GIVEN the queue policy for EventBridge WHEN SNS delivers THEN refused
    policy = resource_policy(EVENTS_MAY_SEND)
    assert not evaluate(deliver("sns.amazonaws.com", **{"aws:SourceArn": RULE}), [], policy).allowed


def test_a_topic_policy_for_everyone_with_a_source_condition_serves_cloudwatch() -> None:
    # GIVEN a topic policy for "*" limited to the account's alarms
    policy = resource_policy(
        statement(
            Principal="*",
            Action="sns:Publish",
            Resource=TOPIC,
            Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:*:{ACCOUNT}:alarm:*"}},
        )
    )
    # WHEN an alarm publishes as cloudwatch.amazonaws.com THEN allowed
    alarm = Request("cloudwatch.amazonaws.com", "sns:Publish", [TOPIC], {"aws:SourceArn": ALARM})
    assert evaluate(alarm, [], policy).allowed


# --- Action and NotAction ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "allowed"),
    [
        ("dynamodb:PutItem", True),
        ("DynamoDB:putitem", True),  # action names ignore case
        ("dynamodb:Put*", True),
        ("dynamodb:?utItem", True),
        ("dynamodb:*", True),
        ("*", True),
        ("dynamodb:Get*", False),
        ("s3:PutItem", False),
        (["s3:*", "dynamodb:PutItem"], True),
    ],
)
def test_actions_match_with_wildcards_ignoring_case(written: Any, allowed: bool) -> None:
    # GIVEN an identity statement with that Action WHEN the session puts THEN as expected
    policy = identity(statement(Action=written, Resource=TABLE))
    assert evaluate(put(), [policy]).allowed is allowed


def test_notaction_allows_everything_but_what_it_names() -> None:
    # GIVEN an allow of everything but DynamoDB's deletes
    policy = identity(statement(NotAction="dynamodb:Delete*", Resource="*"))
    # WHEN the session puts THEN allowed; WHEN it deletes THEN refused
    assert evaluate(put(), [policy]).allowed
    delete = Request(SESSION, "dynamodb:DeleteItem", [TABLE])
    assert not evaluate(delete, [policy]).allowed


def test_a_deny_with_notaction_refuses_everything_else() -> None:
    # GIVEN a deny of everything but reads, beside an allow of everything
    policies = [
        identity(statement(Action="*", Resource="*")),
        identity(statement("Deny", NotAction=["dynamodb:Get*", "dynamodb:Query"], Resource="*")),
    ]
    # WHEN the session puts THEN refused by the deny; WHEN it gets THEN allowed
    assert evaluate(put(), policies).reason == "with an explicit deny in an identity-based policy"
    assert evaluate(Request(SESSION, "dynamodb:GetItem", [TABLE]), policies).allowed


# --- Resource and NotResource -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "allowed"),
    [
        (TABLE, True),
        ("*", True),
        (f"arn:aws:dynamodb:*:{ACCOUNT}:table/payroll-*", True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/payroll-run?", True),
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Payroll-Runs", False),  # ARNs keep case
        (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/payroll-runs/index/*", False),
        (f"arn:aws:dynamodb:us-east-1:{OTHER}:table/payroll-runs", False),
    ],
)
def test_resources_match_with_wildcards_keeping_case(written: str, allowed: bool) -> None:
    # GIVEN an identity statement with that Resource WHEN the session puts THEN as expected
    assert evaluate(put(), [allow_put(written)]).allowed is allowed


def test_notresource_covers_everything_but_what_it_names() -> None:
    # GIVEN a PutItem allow on every table but the audit table
    audit = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/audit"
    policy = identity(statement(Action="dynamodb:PutItem", NotResource=audit))
    # WHEN the session puts into the runs table THEN allowed; into the audit table THEN refused
    assert evaluate(put(), [policy]).allowed
    assert not evaluate(put(resource=audit), [policy]).allowed


def test_every_resource_of_a_request_must_be_allowed() -> None:
    # GIVEN a request on two tables, only the first allowed
    second = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/audit"
    request = Request(SESSION, "dynamodb:BatchWriteItem", [TABLE, second])
    policy = identity(statement(Action="dynamodb:BatchWriteItem", Resource=TABLE))
    # WHEN judged THEN refused, naming the second table
    decision = evaluate(request, [policy])
    assert not decision.allowed
    assert decision.resource == second


def test_policy_variables_in_a_resource_take_the_callers_values() -> None:
    # GIVEN a user's allow on their own prefix, written with ${aws:username}
    policy = identity(
        statement(Action="s3:GetObject", Resource="arn:aws:s3:::home/${aws:username}/*")
    )
    # WHEN ada reads her object THEN allowed; WHEN she reads another's THEN refused
    assert evaluate(Request(USER, "s3:GetObject", ["arn:aws:s3:::home/ada/x"]), [policy]).allowed
    assert not evaluate(
        Request(USER, "s3:GetObject", ["arn:aws:s3:::home/bob/x"]), [policy]
    ).allowed


# --- Principal and NotPrincipal ---------------------------------------------------------------


def queue_denying_all_but(*spared: str) -> ResourcePolicy:
    return resource_policy(
        statement(Principal={"AWS": ACCOUNT}, Action="sqs:*", Resource=QUEUE),
        statement("Deny", NotPrincipal={"AWS": list(spared)}, Action="sqs:*", Resource=QUEUE),
    )


def test_notprincipal_with_deny_refuses_everyone_but_those_named() -> None:
    # GIVEN a queue denying everyone but the payroll role (and its account, as AWS requires)
    policy = queue_denying_all_but(ROLE, ROOT)
    may_send = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    # WHEN the payroll session sends THEN allowed; WHEN a user sends THEN refused by the deny
    assert evaluate(Request(SESSION, "sqs:SendMessage", [QUEUE]), [may_send], policy).allowed
    refused = evaluate(Request(USER, "sqs:SendMessage", [QUEUE]), [may_send], policy)
    assert refused.reason == "with an explicit deny in a resource-based policy"


def test_notprincipal_without_the_account_spares_no_one_of_it() -> None:
    # GIVEN a deny sparing the payroll role but not naming its account
    policy = queue_denying_all_but(ROLE)
    may_send = identity(statement(Action="sqs:SendMessage", Resource=QUEUE))
    # WHEN the payroll session sends THEN refused: AWS checks the account first
    request = Request(SESSION, "sqs:SendMessage", [QUEUE])
    assert not evaluate(request, [may_send], policy).allowed


def test_principals_in_identity_policies_are_not_read() -> None:
    # GIVEN an identity policy statement without Principal (as IAM requires) WHEN judged
    # THEN the caller's own policies apply to the caller
    assert evaluate(put(principal=USER), [allow_put()]).allowed


# --- Conditions in statements and malformed policies ------------------------------------------


def test_an_allow_applies_only_when_its_conditions_hold() -> None:
    # GIVEN a SES send allowed only from one address
    policy = identity(
        statement(
            Action="ses:SendEmail",
            Resource="*",
            Condition={"StringEquals": {"ses:FromAddress": "payroll@example.com"}},
        )
    )

    def send(sender: str) -> Request:
        return Request(SESSION, "ses:SendEmail", ["*"], {"ses:FromAddress": sender})

    # WHEN sent from that address THEN allowed; from another THEN refused
    assert evaluate(send("payroll@example.com"), [policy]).allowed
    assert not evaluate(send("ceo@example.com"), [policy]).allowed


def test_policies_may_be_given_as_json_text() -> None:
    # GIVEN a policy as IAM stores it, JSON text WHEN judged THEN read as the document
    text = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'
    assert evaluate(put(), [Policy(text)]).allowed


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "NotPrincipal": "*", "Action": "*", "Resource": "*"}]},
    ],
)
def test_a_policy_iam_would_refuse_is_a_named_error(document: Any) -> None:
    # GIVEN a document IAM would not have saved WHEN judged THEN InvalidPolicy says why
    with pytest.raises(InvalidPolicy):
        evaluate(put(), [Policy(document, name="broken")])


# --- Condition keys the project's policies use ------------------------------------------------


def test_the_callers_own_keys_are_set_from_its_arn() -> None:
    # GIVEN a bucket policy for "*" limited to principals of the account (aws:PrincipalAccount)
    policy = resource_policy(
        statement(
            Principal="*",
            Action="s3:GetObject",
            Resource="arn:aws:s3:::reports/*",
            Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
        )
    )

    def get(principal: str) -> Request:
        return Request(principal, "s3:GetObject", ["arn:aws:s3:::reports/r.csv"])

    # WHEN a session of the account reads THEN allowed without its own identity allow
    assert evaluate(get(SESSION), [], policy, resource_account=ACCOUNT).allowed
    # WHEN a session of another account reads (its identity allowing it) THEN refused
    reads = identity(statement(Action="s3:GetObject", Resource="*"))
    decision = evaluate(get(OTHER_SESSION), [reads], policy, resource_account=ACCOUNT)
    assert decision.reason == "because no resource-based policy allows the s3:GetObject action"


def test_a_function_policy_for_a_bucket_notification_checks_the_source_account() -> None:
    # GIVEN a function policy letting S3 invoke it for one bucket of the account
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:payroll-ingest"
    policy = resource_policy(
        statement(
            Principal={"Service": "s3.amazonaws.com"},
            Action="lambda:InvokeFunction",
            Resource=function,
            Condition={
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::payroll-raw"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        )
    )

    def invoke(account: str) -> Request:
        context = {"aws:SourceArn": "arn:aws:s3:::payroll-raw", "aws:SourceAccount": account}
        return Request("s3.amazonaws.com", "lambda:InvokeFunction", [function], context)

    # WHEN the account's bucket notifies THEN allowed; WHEN a same-named bucket of another
    # account does THEN refused
    assert evaluate(invoke(ACCOUNT), [], policy).allowed
    assert not evaluate(invoke(OTHER), [], policy).allowed


def test_a_data_key_grant_holds_only_for_its_service_and_encryption_context() -> None:
    # GIVEN the default key policy and a role allowed the key through DynamoDB, for one table
    key_policy = resource_policy(
        statement(Principal={"AWS": ROOT}, Action="kms:*", Resource="*"), kind=KEY_POLICY
    )
    use_key = identity(
        statement(
            Action=["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource=KEY,
            Condition={
                "StringEquals": {
                    "kms:ViaService": "dynamodb.us-east-1.amazonaws.com",
                    "kms:EncryptionContext:aws:dynamodb:tableName": "payroll-runs",
                }
            },
        )
    )
    through = {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}
    # WHEN DynamoDB decrypts for the runs table THEN allowed
    runs = decrypt(**through, **{"kms:EncryptionContext:aws:dynamodb:tableName": "payroll-runs"})
    assert evaluate(runs, [use_key], key_policy).allowed
    # WHEN for another table, or directly, THEN refused by the identity policies
    other = decrypt(**through, **{"kms:EncryptionContext:aws:dynamodb:tableName": "audit"})
    assert evaluate(other, [use_key], key_policy).reason == (
        "because no identity-based policy allows the kms:Decrypt action"
    )
    assert not evaluate(decrypt(), [use_key], key_policy).allowed


def test_a_principal_tag_variable_takes_the_sessions_tag() -> None:
    # GIVEN an allow on the table named after the session's team tag
    policy = identity(
        statement(
            Action="dynamodb:PutItem",
            Resource=f"arn:aws:dynamodb:*:{ACCOUNT}:table/${{aws:PrincipalTag/team}}-runs",
        )
    )
    # WHEN the payroll team's session puts THEN allowed; WHEN untagged THEN refused
    assert evaluate(put(**{"aws:PrincipalTag/team": "payroll"}), [policy]).allowed
    assert not evaluate(put(), [policy]).allowed


def test_a_trust_policy_naming_the_other_account_needs_its_identity_allow() -> None:
    # GIVEN a role trusting the other account (its root)
    trust = resource_policy(
        statement(Principal={"AWS": OTHER}, Action="sts:AssumeRole"),
        kind=ResourcePolicyKind.TRUST,
    )
    request = Request(OTHER_SESSION, "sts:AssumeRole", [ROLE])
    # WHEN a session of that account assumes it without an identity allow THEN refused
    assert not evaluate(request, [], trust).allowed
    # and with one, allowed
    may_assume = identity(statement(Action="sts:AssumeRole", Resource=ROLE))
    assert evaluate(request, [may_assume], trust).allowed
