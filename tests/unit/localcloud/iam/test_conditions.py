"""Condition operators judged as the IAM User Guide documents them ("IAM JSON policy elements:
Condition operators", "Multivalued context keys", "Variables and tags"), one row per rule."""

from __future__ import annotations

import base64

import pytest

from localcloud.iam.conditions import Context, InvalidPolicy, parse_conditions

ARN = "arn:aws:sns:us-east-1:000000000000:operations"
B64 = base64.b64encode(b"payroll").decode()

# (operator, policy values, request context, holds?)
OPERATOR_TABLE = [
    # Strings: exact and case-sensitive, or ignoring case; a list of policy values is an OR.
    ("StringEquals", "payroll", "payroll", True),
    ("StringEquals", "payroll", "Payroll", False),
    ("StringEquals", ["comms", "payroll"], "payroll", True),
    ("StringNotEquals", ["comms", "payroll"], "payroll", False),
    ("StringNotEquals", ["comms", "payroll"], "reports", True),
    ("StringEqualsIgnoreCase", "PAYROLL", "payroll", True),
    ("StringNotEqualsIgnoreCase", "PAYROLL", "payroll", False),
    ("StringLike", "pay*", "payroll", True),
    ("StringLike", "pay?oll", "payroll", True),
    ("StringLike", "pay?", "payroll", False),
    ("StringLike", "Pay*", "payroll", False),
    ("StringLike", "a.c", "abc", False),  # only * and ? are wildcards
    ("StringNotLike", ["comms*", "pay*"], "payroll", False),
    ("StringNotLike", ["comms*", "rep*"], "payroll", True),
    # Numbers.
    ("NumericEquals", "10", "10.0", True),
    ("NumericNotEquals", "10", "11", True),
    ("NumericLessThan", "10", "9", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericGreaterThan", "10", "11", True),
    ("NumericGreaterThanEquals", "10", "9", False),
    ("NumericEquals", "10", "ten", False),  # a value that is no number matches nothing
    # Dates: ISO 8601 or epoch seconds.
    ("DateEquals", "2026-12-07T08:00:00Z", "1796630400", True),
    ("DateNotEquals", "2026-12-07T08:00:00Z", "2026-12-07T09:00:00Z", True),
    ("DateLessThan", "2026-12-07T08:00:00Z", "2026-12-07T07:59:59Z", True),
    ("DateLessThanEquals", "2026-12-07T08:00:00Z", "2026-12-07T08:00:00Z", True),
    ("DateGreaterThan", "2026-12-07T08:00:00Z", "2026-12-07T07:59:59Z", False),
    ("DateGreaterThanEquals", "2026-12-07", "2026-12-07T00:00:00+00:00", True),
    # Bool, Binary, IP addresses.
    ("Bool", "true", True, True),
    ("Bool", "false", True, False),
    ("Bool", True, "true", True),
    ("BinaryEquals", B64, B64, True),
    ("BinaryEquals", B64, base64.b64encode(b"comms").decode(), False),
    ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
    ("IpAddress", ["192.168.0.0/16", "10.0.0.0/8"], "172.16.0.1", False),
    ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
    ("NotIpAddress", "10.0.0.0/8", "172.16.0.1", True),
    # ARNs: each of the six parts matched on its own, wildcards within a part.
    ("ArnEquals", ARN, ARN, True),
    ("ArnLike", "arn:aws:sns:*:000000000000:*", ARN, True),
    ("ArnLike", "arn:aws:sns:*:111122223333:*", ARN, False),
    ("ArnLike", "arn:aws:sns:*:000000000000", ARN, False),
    ("ArnNotEquals", ARN, ARN, False),
    ("ArnNotLike", "arn:aws:sqs:*", ARN, True),
    # A context key with several values (without a set operator): any one matching will do.
    ("StringEquals", "payroll", ["comms", "payroll"], True),
    # Set operators on multivalued keys.
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", ["a", "b"], [], True),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "b"], True),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "d"], False),
    ("ForAnyValue:StringEquals", ["a", "b"], [], False),
    ("ForAllValues:StringNotEquals", ["a"], ["b", "c"], True),
    ("ForAllValues:StringNotEquals", ["a"], ["a", "c"], False),
    ("ForAnyValue:StringNotEquals", ["a"], ["a", "c"], True),
    ("ForAnyValue:StringLike", "pay*", ["comms", "payroll"], True),
]


@pytest.mark.parametrize(("operator", "policy", "value", "holds"), OPERATOR_TABLE)
def test_each_operator_compares_as_documented(operator, policy, value, holds) -> None:
    # GIVEN a condition with the operator and the request's value for its key
    (condition,) = parse_conditions({operator: {"test:Key": policy}})
    # WHEN it is judged THEN it holds exactly when AWS's documentation says it does
    assert condition.holds(Context({"test:Key": value})) is holds


# (operator, holds when the key is absent?)
MISSING_KEY_TABLE = [
    ("StringEquals", False),
    ("StringLike", False),
    ("NumericLessThan", False),
    ("DateLessThan", False),
    ("Bool", False),
    ("ArnLike", False),
    ("IpAddress", False),
    ("BinaryEquals", False),
    # A negation holds when the key is absent.
    ("StringNotEquals", True),
    ("StringNotLike", True),
    ("ArnNotLike", True),
    ("NotIpAddress", True),
    ("NumericNotEquals", True),
    # ...IfExists holds when the key is absent.
    ("StringEqualsIfExists", True),
    ("ArnLikeIfExists", True),
    ("BoolIfExists", True),
    # ForAllValues holds for no values at all; ForAnyValue needs one.
    ("ForAllValues:StringEquals", True),
    ("ForAnyValue:StringEquals", False),
]


@pytest.mark.parametrize(("operator", "holds"), MISSING_KEY_TABLE)
def test_a_missing_key_holds_only_for_negations_ifexists_and_forallvalues(operator, holds) -> None:
    # GIVEN a condition on a key the request does not carry
    (condition,) = parse_conditions({operator: {"aws:SourceArn": "true"}})
    # WHEN it is judged THEN only a negation, ...IfExists or ForAllValues holds
    assert condition.holds(Context({})) is holds


def test_ifexists_still_compares_a_key_that_is_present() -> None:
    # GIVEN StringEqualsIfExists on a key the request carries with another value
    (condition,) = parse_conditions({"StringEqualsIfExists": {"aws:SourceAccount": "0001"}})
    # WHEN it is judged THEN it does not hold
    assert not condition.holds(Context({"aws:SourceAccount": "0002"}))


@pytest.mark.parametrize(
    ("expected", "context", "holds"),
    [("true", {}, True), ("true", {"aws:TokenIssueTime": "x"}, False), ("false", {}, False)],
)
def test_null_asks_whether_the_key_is_absent(expected, context, holds) -> None:
    # GIVEN a Null condition WHEN judged THEN "true" means absent, "false" means present
    (condition,) = parse_conditions({"Null": {"aws:TokenIssueTime": expected}})
    assert condition.holds(Context(context)) is holds


def test_condition_key_names_ignore_case_but_values_keep_it() -> None:
    # GIVEN a condition naming the key in another case than the request
    (condition,) = parse_conditions({"StringEquals": {"AWS:SOURCEACCOUNT": "Acct"}})
    # WHEN judged THEN the key is found, and the value's case still counts
    assert condition.holds(Context({"aws:SourceAccount": "Acct"}))
    assert not condition.holds(Context({"aws:SourceAccount": "acct"}))


def test_policy_variables_take_the_request_values() -> None:
    # GIVEN a condition value naming ${aws:username}, and one with a default
    (named, defaulted) = parse_conditions(
        {
            "StringEquals": {"s3:prefix": "home/${aws:username}/"},
            "StringLike": {"s3:delimiter": "${aws:PrincipalTag/team, 'none'}*"},
        }
    )
    # WHEN judged THEN the variable is the request's value, or the default when absent
    context = Context({"aws:username": "ada", "s3:prefix": "home/ada/", "s3:delimiter": "none/"})
    assert named.holds(context)
    assert defaulted.holds(context)
    # and a variable with no value matches nothing
    assert not named.holds(Context({"s3:prefix": "home//"}))


def test_policy_variables_are_literal_in_an_old_policy_version() -> None:
    # GIVEN a condition of a policy without Version 2012-10-17
    (condition,) = parse_conditions(
        {"StringEquals": {"s3:prefix": "${aws:username}"}}, variables=False
    )
    # WHEN judged THEN ${...} is plain text
    assert condition.holds(Context({"s3:prefix": "${aws:username}", "aws:username": "ada"}))


def test_several_keys_must_all_hold() -> None:
    # GIVEN two keys under one operator and a second operator
    conditions = parse_conditions(
        {
            "StringEquals": {"aws:SourceAccount": "000000000000", "kms:ViaService": "sns.x"},
            "Bool": {"aws:SecureTransport": "true"},
        }
    )
    context = {"aws:SourceAccount": "000000000000", "kms:ViaService": "sns.x"}
    # WHEN one key does not hold THEN the block does not
    assert not all(c.holds(Context(context | {"aws:SecureTransport": False})) for c in conditions)
    assert all(c.holds(Context(context | {"aws:SecureTransport": True})) for c in conditions)


@pytest.mark.parametrize("block", [{"StringEqualz": {"k": "v"}}, {"StringEquals": "v"}, ["x"]])
def test_an_operator_iam_does_not_know_is_a_named_error(block) -> None:
    # GIVEN a condition block AWS would refuse when the policy is written
    # WHEN it is parsed THEN InvalidPolicy names it, rather than judging it as something
    with pytest.raises(InvalidPolicy):
        parse_conditions(block)
