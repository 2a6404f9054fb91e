"""A token endpoint for the local stage only (what Cognito's /oauth2/token is in AWS):
client credentials in, an RS256 access token signed with the local issuer's key out.

The token has no audience, like Cognito's access tokens: `client_id`, `scope` and
`token_use: access` say what it is, and the authorizer opens routes by its scopes.
OAuth 2.0's error answers ({"error": ...}) are kept, as a client of Cognito expects them.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from http import HTTPStatus
from urllib.parse import parse_qs

import jwt
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities import parameters
from cryptography.hazmat.primitives import serialization

from common.http import api_handler, json_response, rest_api
from common.observability import logger, traced
from common.settings import load_settings
from comms.settings import TokenEndpointSettings

settings = load_settings(TokenEndpointSettings)
app = rest_api()


def _oauth_error(status: HTTPStatus, error: str) -> Response[str]:
    return json_response(status, {"error": error})


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, colon, secret = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (client_id, secret) if colon else None


def key_id(private_key) -> str:
    # The same id the local issuer publishes in its JWKS (sha256 of the public key, 16 hex).
    public = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(public).hexdigest()[:16]


def _client(form: dict[str, str]) -> dict | None:
    """The service client's record when the request presents its id and secret (Basic
    authentication, or the form's client_id and client_secret); None otherwise."""
    presented = _basic_credentials(app.current_event.headers.get("Authorization")) or (
        form.get("client_id", ""),
        form.get("client_secret", ""),
    )
    client = json.loads(parameters.get_secret(settings.service_credentials_secret, max_age=60))
    same_id = hmac.compare_digest(presented[0].encode(), str(client["clientId"]).encode())
    same_secret = hmac.compare_digest(presented[1].encode(), str(client["clientSecret"]).encode())
    return client if same_id and same_secret else None


def _access_token(client: dict, scopes: set[str]) -> str:
    private_key = serialization.load_pem_private_key(
        parameters.get_secret(settings.token_signing_key_secret, max_age=300).encode(),
        password=None,
    )
    now = int(time.time())
    claims = {
        "iss": settings.token_issuer,
        "sub": client["clientId"],
        "client_id": client["clientId"],
        "scope": " ".join(sorted(scopes)),
        "token_use": "access",
        "iat": now,
        "nbf": now,
        "exp": now + settings.token_lifetime_seconds,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": key_id(private_key)})


@app.post("/sandbox/oauth2/token")
@traced
def issue_token() -> Response[str]:
    form = {
        key: values[0] for key, values in parse_qs(app.current_event.decoded_body or "").items()
    }
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(HTTPStatus.BAD_REQUEST, "unsupported_grant_type")
    client = _client(form)
    if client is None:
        logger.info("client refused")
        return _oauth_error(HTTPStatus.UNAUTHORIZED, "invalid_client")
    allowed = set(str(client["scope"]).split())
    asked = set((form.get("scope") or client["scope"]).split())
    if not asked <= allowed:
        return _oauth_error(HTTPStatus.BAD_REQUEST, "invalid_scope")
    token = _access_token(client, asked)
    logger.info("token issued", extra={"client_id": client["clientId"]})
    return json_response(
        HTTPStatus.OK,
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": settings.token_lifetime_seconds,
        },
    )


handler = api_handler(app)
