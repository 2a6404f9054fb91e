"""The template rendered for each stage (SAM's own translator, CloudFormation's conditions and
rules evaluated here): which resources and routes exist where, and what a deploy refuses."""

from __future__ import annotations

import re
from functools import cache

import boto3
import pytest
from samtranslator.parser import parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

from support.template import merged, template_paths

REAL_SERVICES = {
    "PreScreeningCreditBureauUrl": "https://bureau.example.com/reports",
    "ApprovalDoubleApiUrl": "https://double.example.com/double",
}
TEST_DOUBLES = {
    "PreScreeningSandboxCreditBureauFunction",
    "ApprovalDoubleFunction",
    "ApprovalDoubleIdempotencyTable",
    "CommsTokenEndpointFunction",
}
TEST_DOUBLE_ROUTES = {
    ("/sandbox/credit-bureau/reports", "post"),
    ("/double", "post"),
    ("/sandbox/oauth2/token", "post"),
}
STAFF_ROUTES = {
    ("/reviews", "get"),
    ("/reviews/{applicationId}", "post"),
    ("/communications", "post"),
    ("/communications/failed", "get"),
    ("/communications/{id}/send", "post"),
    ("/reports", "post"),
    ("/reports/{id}", "get"),
    ("/imports/{id}", "get"),
}


def _translate(text: str) -> dict:
    sam_template = yaml_parse(text)
    for resource in sam_template["Resources"].values():
        properties = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(properties.get(uri), str):  # as 'sam package' would have uploaded it
                properties[uri] = f"s3://artifacts/{properties[uri]}"
        if isinstance(properties.get("Location"), str):  # a nested template, likewise
            properties["Location"] = f"https://artifacts.s3.amazonaws.com/{properties['Location']}"
    return Translator(
        managed_policy_map={},
        sam_parser=parser.Parser(),
        boto_session=boto3.Session(region_name="us-east-1"),
    ).translate(sam_template=sam_template, parameter_values={})


@cache
def _translated() -> tuple[dict, dict]:
    """(the SAM templates as one, their CloudFormation translations as one)."""
    texts = [path.read_text() for path in template_paths()]
    return merged([yaml_parse(text) for text in texts]), merged([_translate(t) for t in texts])


class Rendered:
    """The translated template with its conditions evaluated for some parameter values."""

    def __init__(self, parameters: dict[str, str]):
        template, self.cfn = _translated()
        self.parameters = {
            name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()
        } | parameters
        self.conditions = {
            name: self.truth(expression) for name, expression in self.cfn["Conditions"].items()
        }

    def value(self, node):
        if node == {"Ref": "AWS::NoValue"}:
            return None
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return self.parameters[node["Ref"]]
        if isinstance(node, dict) and set(node) == {"Fn::If"}:
            name, then, otherwise = node["Fn::If"]
            return self.value(then if self.conditions[name] else otherwise)
        return node

    def truth(self, node) -> bool:
        ((function, arguments),) = node.items()
        match function:
            case "Fn::Equals":
                return self.value(arguments[0]) == self.value(arguments[1])
            case "Fn::Not":
                return not self.truth(arguments[0])
            case "Fn::And":
                return all(self.truth(argument) for argument in arguments)
            case "Fn::Or":
                return any(self.truth(argument) for argument in arguments)
            case "Condition":
                return self.truth(self.cfn["Conditions"][arguments])
        raise AssertionError(f"unexpected {function}")

    def resources(self) -> set[str]:
        return {
            name
            for name, resource in self.cfn["Resources"].items()
            if "Condition" not in resource or self.conditions[resource["Condition"]]
        }

    def routes(self) -> dict[tuple[str, str], dict]:
        paths = self.cfn["Resources"]["Api"]["Properties"]["Body"]["paths"]
        routes = {}
        for path, methods in paths.items():
            methods = self.value(methods)
            if not isinstance(methods, dict):
                continue  # AWS::NoValue
            for method, spec in methods.items():
                spec = self.value(spec)
                if isinstance(spec, dict):
                    routes[(path, method)] = spec
        return routes

    def failed_rules(self) -> list[str]:
        failed = []
        for rule in self.cfn.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.truth(rule["RuleCondition"]):
                continue
            failed += [
                assertion["AssertDescription"]
                for assertion in rule["Assertions"]
                if not self.truth(assertion["Assert"])
            ]
        return failed


AWS_STAGES = ["dev", "staging", "prod"]


def rendered(stage: str, **parameters: str) -> Rendered:
    if stage in AWS_STAGES:
        parameters = REAL_SERVICES | parameters
    return Rendered({"Stage": stage, **parameters})


def test_the_test_doubles_exist_on_the_local_cloud():
    stack = rendered("local")
    assert stack.resources() >= TEST_DOUBLES
    assert set(stack.routes()) >= TEST_DOUBLE_ROUTES


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_aws_stages_have_no_test_doubles(stage):
    # dev too: its authorizer trusts Cognito, and a public /double could complete tasks
    stack = rendered(stage)
    resources = stack.resources()
    assert not resources & TEST_DOUBLES
    assert not any(name.startswith(tuple(TEST_DOUBLES)) for name in resources)
    assert not set(stack.routes()) & TEST_DOUBLE_ROUTES
    assert not stack.failed_rules()


@pytest.mark.parametrize("stage", AWS_STAGES)
@pytest.mark.parametrize("missing", sorted(REAL_SERVICES))
def test_aws_stages_refuse_to_deploy_without_the_real_services(stage, missing):
    stack = rendered(stage, **{missing: ""})
    assert len(stack.failed_rules()) == 1
    assert missing in stack.failed_rules()[0]


def test_the_local_stage_may_use_the_doubles():
    assert rendered("local").failed_rules() == []


@pytest.mark.parametrize("name", sorted(REAL_SERVICES))
def test_the_real_services_must_be_https(name):
    template, _ = _translated()
    pattern = re.compile(template["Parameters"][name]["AllowedPattern"])
    assert pattern.fullmatch("https://bureau.example.com/v1/reports")
    assert pattern.fullmatch("")  # local: the stack's own double
    assert not pattern.fullmatch("http://bureau.example.com/v1/reports")
    assert not pattern.fullmatch("bureau.example.com")


@pytest.mark.parametrize("stage", ["local", "dev", "staging", "prod"])
def test_only_the_staff_routes_need_the_authorizer(stage):
    routes = rendered(stage).routes()
    guarded = {route for route, spec in routes.items() if spec.get("security")}
    assert guarded == STAFF_ROUTES
    for route in STAFF_ROUTES:
        assert routes[route]["security"] == [{"StaffAuthorizer": []}]


@pytest.mark.parametrize(
    ("stage", "parameters", "creates_pool"),
    [
        ("local", {}, False),
        ("dev", {}, True),
        ("prod", {}, True),
        ("prod", {"AuthUserPoolId": "us-east-1_abc", "AuthUserPoolClientId": "client"}, False),
    ],
)
def test_aws_stages_get_a_cognito_pool_unless_given_one(stage, parameters, creates_pool):
    resources = rendered(stage, **parameters).resources()
    assert ("StaffUserPool" in resources) is creates_pool
    assert ("ReviewersGroup" in resources) is creates_pool
    assert "StaffAuthorizerFunction" in resources


def test_the_bureau_secret_is_made_unless_one_is_given():
    assert "PreScreeningCreditBureauCredentials" in rendered("prod").resources()
    given = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bureau-AbCdEf"
    resources = rendered("prod", PreScreeningCreditBureauSecretArn=given).resources()
    assert "PreScreeningCreditBureauCredentials" not in resources


def test_every_stage_is_throttled_and_the_submissions_more_so():
    stage = rendered("prod").cfn["Resources"]
    settings = next(
        resource["Properties"]["MethodSettings"]
        for resource in stage.values()
        if resource["Type"] == "AWS::ApiGateway::Stage"
    )
    paths = {(setting["ResourcePath"], setting["HttpMethod"]) for setting in settings}
    assert paths == {("/*", "*"), ("/~1applications", "POST"), ("/~1calculations", "POST")}


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_stacks_own_pool_puts_the_users_organisation_in_the_token(stage):
    stack = rendered(stage)
    resources = stack.cfn["Resources"]
    pool = resources["StaffUserPool"]["Properties"]
    client = resources["StaffUserPoolClient"]["Properties"]
    # the organisation attribute, turned into the `org` claim by the trigger before each token
    assert {"Name": "org", "AttributeDataType": "String", "Mutable": True}.items() <= (
        next(a for a in pool["Schema"] if a["Name"] == "org").items()
    )
    assert pool["LambdaConfig"]["PreTokenGeneration"] == {
        "Fn::GetAtt": ["StaffOrganisationClaimFunction", "Arn"]
    }
    function = resources["StaffOrganisationClaimFunction"]["Properties"]
    assert function["Handler"] == "authorizer.handlers.organisation_claim.handler"
    assert {"StaffOrganisationClaimFunction", "StaffOrganisationClaimPermission"} <= (
        stack.resources()
    )
    # users read their organisation but cannot change it (only an administrator can)
    assert "custom:org" in client["ReadAttributes"]
    assert "custom:org" not in client["WriteAttributes"]


def test_the_local_stage_has_no_organisation_trigger():
    # the local issuer puts `org` in its tokens itself (make token ... ORG=...)
    assert "StaffOrganisationClaimFunction" not in rendered("local").resources()


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_aws_stages_limit_each_client_on_the_api_stage(stage):
    stack = rendered(stage)
    assert {"ApiWebAcl", "ApiWebAclAssociation"} <= stack.resources()
    acl = stack.cfn["Resources"]["ApiWebAcl"]["Properties"]
    [rule] = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "ClientRequestLimit"}
    association = stack.cfn["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    # The stage SAM makes for the Api (its Ref, the stage's name, also orders the association).
    assert association["ResourceArn"]["Fn::Sub"].endswith("/restapis/${Api}/stages/${ApiStage}")
    assert stack.cfn["Resources"]["ApiStage"]["Type"] == "AWS::ApiGateway::Stage"


def test_the_local_cloud_has_no_waf_and_says_so():
    # The community local cloud serves no WAF: the per-client limit is tested on the template.
    assert not {"ApiWebAcl", "ApiWebAclAssociation"} & rendered("local").resources()


def test_the_ses_sending_pace_raises_an_alarm_everywhere():
    for stage in ("local", "dev", "prod"):
        assert "SesSendingQuotaAlarm" in rendered(stage).resources()
    alarm = rendered("prod").cfn["Resources"]["SesSendingQuotaAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
        "AWS/SES",
        "Send",
        "Sum",
    )
    assert alarm["Threshold"] == {"Ref": "SesHourlySendAlarm"}
    assert alarm["AlarmActions"] == [{"Ref": "OperationsTopic"}]


@pytest.mark.parametrize("name", ["AuthTokenIssuer", "AuthJwksUrl"])
def test_the_token_issuer_and_its_keys_must_be_https(name):
    template, _ = _translated()
    pattern = re.compile(template["Parameters"][name]["AllowedPattern"])
    assert pattern.fullmatch("https://issuer.example.com/pool")
    assert pattern.fullmatch("")  # the stack's own pool, or the local cloud's issuer
    assert not pattern.fullmatch("http://issuer.example.com/pool")
    assert not pattern.fullmatch("issuer.example.com/pool")


def test_an_authorizer_answer_is_kept_five_minutes_at_most():
    template, _ = _translated()
    cache = template["Parameters"]["AuthCacheSeconds"]
    assert cache["MaxValue"] <= 300 and cache["Default"] <= cache["MaxValue"]
    # the API's authorizer keeps its answers for that parameter's seconds (SAM fills it in)
    identity = template["Resources"]["Api"]["Properties"]["Auth"]["Authorizers"]["StaffAuthorizer"][
        "Identity"
    ]
    assert identity["ReauthorizeEvery"] == {"Ref": "AuthCacheSeconds"}
    body = rendered("prod").cfn["Resources"]["Api"]["Properties"]["Body"]
    authorizer = body["securityDefinitions"]["StaffAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert 0 < authorizer["authorizerResultTtlInSeconds"] <= 300


@pytest.mark.parametrize("stage", AWS_STAGES)
def test_the_stacks_own_pool_requires_mfa(stage):
    pool = rendered(stage).cfn["Resources"]["StaffUserPool"]["Properties"]
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
