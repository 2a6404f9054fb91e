"""The Map item (POST the re-send endpoint with a service token: retries with backoff, outcomes)
and the local token endpoint whose tokens the authorizer accepts for the re-send route."""

import base64
import json
from http.server import BaseHTTPRequestHandler

import boto3
import jwt
import pytest

from authorizer.logic.tokens import verify
from authorizer.settings import AuthorizerSettings
from devkit import local_issuer
from support.events import sample_event
from support.handlers import fresh
from support.http_server import serving
from unit.comms.comms_testkit import CREDENTIALS_SECRET, ISSUER, SIGNING_KEY_SECRET

CLIENT = {"clientId": "comms-retry", "clientSecret": "s3cret", "scope": "comms/resend"}


class _Api(BaseHTTPRequestHandler):
    """The token endpoint and the re-send endpoint, answering from a script."""

    answers: list  # (status, body) for each re-send, in order; the last one repeats
    calls: list
    tokens_issued: int
    token_paths: list

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path.endswith("/token"):
            self.token_paths.append(self.path)
            type(self).tokens_issued += 1
            status, body = 200, {"access_token": "service-token", "expires_in": 3600}
        else:
            self.calls.append((self.path, self.headers.get("Authorization")))
            status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def api_server(aws, monkeypatch):
    _Api.answers, _Api.calls, _Api.tokens_issued, _Api.token_paths = [(200, {})], [], 0, []
    with serving(_Api) as url:
        boto3.client("secretsmanager").create_secret(
            Name=CREDENTIALS_SECRET,
            SecretString=json.dumps({**CLIENT, "tokenUrl": f"{url}/token"}),
        )
        monkeypatch.setenv("COMMS_API_URL", f"{url}/local")
        monkeypatch.setenv("COMMS_RESEND_RETRIES", "2")
        yield _Api


@pytest.fixture
def resend(api_server):
    return fresh("comms.handlers.resend")


def test_a_sent_answer_is_sent(resend, api_server, lambda_context):
    outcome = resend.handler({"id": "c-1"}, lambda_context)
    assert outcome == {"id": "c-1", "outcome": "sent", "reason": ""}
    assert api_server.calls == [("/local/communications/c-1/send", "Bearer service-token")]


def test_without_a_token_url_the_stacks_own_token_endpoint_is_asked(api_server, lambda_context):
    boto3.client("secretsmanager").put_secret_value(
        SecretId=CREDENTIALS_SECRET, SecretString=json.dumps(CLIENT)
    )
    resend = fresh("comms.handlers.resend")
    assert resend.handler({"id": "c-1"}, lambda_context)["outcome"] == "sent"
    assert api_server.token_paths == ["/local/sandbox/oauth2/token"]


def test_the_token_is_fetched_once_and_reused(resend, api_server, lambda_context):
    for communication_id in ("c-1", "c-2", "c-3"):
        resend.handler({"id": communication_id}, lambda_context)
    assert api_server.tokens_issued == 1


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ((502, {"status": "FAILED", "reason": "MessageRejected"}), ("failed", "MessageRejected")),
        ((502, {"status": "MANUAL", "reason": "InvalidParameter"}), ("manual", "InvalidParameter")),
        ((409, {"status": "RESENDING"}), ("skipped", "status RESENDING")),
        ((404, {"message": "no such communication"}), ("failed", "not found")),
    ],
)
def test_the_endpoints_answers_are_outcomes(resend, api_server, lambda_context, answer, outcome):
    api_server.answers = [answer]
    result = resend.handler({"id": "c-1"}, lambda_context)
    assert (result["outcome"], result["reason"]) == outcome
    assert len(api_server.calls) == 1  # an answer is not retried


def test_a_transient_failure_is_retried_then_sent(resend, api_server, lambda_context):
    api_server.answers = [(503, {}), (500, {}), (200, {})]
    assert resend.handler({"id": "c-1"}, lambda_context)["outcome"] == "sent"
    assert len(api_server.calls) == 3


def test_a_lasting_failure_raises_after_the_retries(resend, api_server, lambda_context):
    from comms.dal.resend_api import ResendFailed

    api_server.answers = [(500, {})]
    with pytest.raises(ResendFailed, match="500"):
        resend.handler({"id": "c-1"}, lambda_context)
    assert len(api_server.calls) == 3  # the first try and two retries


def test_the_resend_sample_event_runs(resend, api_server, lambda_context):
    assert resend.handler(sample_event("comms-resend"), lambda_context)["outcome"] == "sent"


@pytest.fixture
def token_endpoint(aws):
    key = local_issuer.new_key()
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=CREDENTIALS_SECRET, SecretString=json.dumps(CLIENT))
    local_issuer.store_signing_key(secrets, key)
    return fresh("comms.handlers.token_endpoint"), key


def token_request(client_id: str, secret: str, grant: str = "client_credentials") -> dict:
    event = sample_event("comms-token-endpoint")
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    event["headers"]["Authorization"] = f"Basic {basic}"
    event["body"] = f"grant_type={grant}&scope=comms%2Fresend"
    return event


def test_the_token_endpoint_issues_a_token_the_authorizer_takes_for_the_resend_route(
    token_endpoint, lambda_context
):
    endpoint, key = token_endpoint
    # WHEN the workflow's client asks for a token
    answer = endpoint.handler(token_request("comms-retry", "s3cret"), lambda_context)
    assert answer["statusCode"] == 200
    token = json.loads(answer["body"])["access_token"]
    # THEN it is a service token of the local issuer: no audience, the client and its scope
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "aud" not in claims
    assert (claims["client_id"], claims["scope"], claims["iss"]) == (
        "comms-retry",
        "comms/resend",
        ISSUER,
    )
    # AND the authorizer, configured as the stack configures it, gives it the service role
    config = AuthorizerSettings.model_validate(
        {
            "STAGE": "local",
            "AUTHORIZER_TOKEN_ISSUER": ISSUER,
            "AUTHORIZER_TOKEN_AUDIENCE": "serverless-workflows",
            "AUTHORIZER_JWKS_URL": f"{ISSUER}/.well-known/jwks.json",
            "AUTHORIZER_ROUTE_ROLES": json.dumps(
                {"POST /communications/*/send": ["operator", "comms-service"]}
            ),
            "AUTHORIZER_SERVICE_SCOPE_ROLES": '{"comms/resend": ["comms-service"]}',
        }
    )
    public = jwt.PyJWK(local_issuer.jwks(key)["keys"][0])
    caller = verify(token, config, lambda kid: public if kid == local_issuer.key_id(key) else None)
    assert caller.roles == {"comms-service"}


@pytest.mark.parametrize(
    ("client_id", "secret", "grant", "status", "error"),
    [
        ("comms-retry", "wrong", "client_credentials", 401, "invalid_client"),
        ("someone", "s3cret", "client_credentials", 401, "invalid_client"),
        ("comms-retry", "s3cret", "password", 400, "unsupported_grant_type"),
    ],
)
def test_the_token_endpoint_refuses_bad_requests(
    token_endpoint, lambda_context, client_id, secret, grant, status, error
):
    endpoint, _ = token_endpoint
    answer = endpoint.handler(token_request(client_id, secret, grant), lambda_context)
    assert (answer["statusCode"], json.loads(answer["body"])) == (status, {"error": error})


def test_the_token_endpoint_sample_event_is_refused_with_its_sample_secret(
    token_endpoint, lambda_context
):
    endpoint, _ = token_endpoint
    answer = endpoint.handler(sample_event("comms-token-endpoint"), lambda_context)
    assert answer["statusCode"] == 401


def test_the_signing_key_secret_is_the_one_the_stack_names():
    assert SIGNING_KEY_SECRET == local_issuer.SIGNING_KEY_SECRET


def test_the_service_token_is_fetched_again_once_the_wall_clock_passes_its_expiry(monkeypatch):
    from comms.dal import resend_api

    token = resend_api.ServiceToken("secret", None, 1, "http://token.invalid")
    fetched = []
    monkeypatch.setattr(token, "_fetch", lambda: (fetched.append(1) or f"t{len(fetched)}", 3600.0))
    now = [1_800_000_000.0]
    monkeypatch.setattr(resend_api.time, "time", lambda: now[0])
    assert (token(), token()) == ("t1", "t1")
    # WHEN the wall clock passes the token's expiry (on the local cloud, a move of its clock,
    # which the monotonic clock does not follow)  THEN a new token is fetched
    now[0] += 2 * 3600
    assert token() == "t2"
