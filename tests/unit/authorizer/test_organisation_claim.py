"""Cognito's pre-token-generation trigger: the staff user's organisation attribute becomes the
ID token's `org` claim, the one the authorizer passes on and the reports API checks."""

from __future__ import annotations

import copy

import boto3
import pytest
from moto import mock_aws

from authorizer.handlers import organisation_claim
from support.events import sample_event


def test_the_sample_sign_in_gets_the_org_claim(lambda_context):
    # GIVEN a sign-in of a user whose organisation is acme
    event = sample_event("authorizer-organisation-claim")

    # WHEN Cognito calls the trigger before making the tokens
    answer = organisation_claim.handler(event, lambda_context)

    # THEN the ID token gets org=acme, and not also the raw attribute
    details = answer["response"]["claimsOverrideDetails"]
    assert details["claimsToAddOrOverride"] == {"org": "acme"}
    assert details["claimsToSuppress"] == ["custom:org"]
    # the rest of the event is handed back as Cognito sent it (groups stay the roles)
    assert answer["request"] == event["request"]
    assert "groupOverrideDetails" not in details


@pytest.mark.parametrize("organisation", [None, "", "   "])
def test_a_user_without_an_organisation_gets_no_org_claim(lambda_context, organisation):
    # GIVEN a user whose organisation attribute is missing or blank
    event = copy.deepcopy(sample_event("authorizer-organisation-claim"))
    attributes = event["request"]["userAttributes"]
    attributes.pop("custom:org")
    if organisation is not None:
        attributes["custom:org"] = organisation

    # WHEN the trigger runs
    answer = organisation_claim.handler(event, lambda_context)

    # THEN no org claim is added: the reports API refuses every organisation's report
    assert answer["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"] == {}


def test_the_org_claim_is_what_the_user_pool_holds_for_the_user(lambda_context):
    with mock_aws():
        # GIVEN a staff pool with the organisation attribute and a user an administrator made
        cognito = boto3.client("cognito-idp")
        pool = cognito.create_user_pool(
            PoolName="staff",
            Schema=[
                {
                    "Name": "org",
                    "AttributeDataType": "String",
                    "Mutable": True,
                    "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"},
                }
            ],
        )["UserPool"]["Id"]
        cognito.admin_create_user(
            UserPoolId=pool,
            Username="ana@example.com",
            UserAttributes=[
                {"Name": "email", "Value": "ana@example.com"},
                {"Name": "custom:org", "Value": "globex"},
            ],
        )
        user = cognito.admin_get_user(UserPoolId=pool, Username="ana@example.com")

        # WHEN she signs in (Cognito hands the trigger her attributes as a name -> value map)
        event = copy.deepcopy(sample_event("authorizer-organisation-claim"))
        event["userPoolId"] = pool
        event["request"]["userAttributes"] = {
            attribute["Name"]: attribute["Value"] for attribute in user["UserAttributes"]
        }
        answer = organisation_claim.handler(event, lambda_context)

    # THEN her token says her organisation
    details = answer["response"]["claimsOverrideDetails"]
    assert details["claimsToAddOrOverride"] == {"org": "globex"}
