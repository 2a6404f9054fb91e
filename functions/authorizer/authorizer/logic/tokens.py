"""Who a bearer token says the caller is, if the token is good.

A good token is a JWT signed with one of the issuer's keys (RS256), from the configured issuer,
for the configured audience, not expired and not before its nbf, with a subject. Anything else
is an InvalidToken naming why (for the log; the caller only ever sees 403).

A service's client-credentials token (Cognito's access token) has no audience: it is good with
`token_use: access`, a `client_id` and a `scope`, and its roles are those its scopes grant
(SERVICE_SCOPE_ROLES); without such a mapping none is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import jwt

from authorizer.settings import AuthorizerSettings


class InvalidToken(Exception):
    """The token is not one this API accepts."""


@dataclass(frozen=True)
class Caller:
    subject: str
    roles: frozenset[str]
    claims: dict = field(default_factory=dict)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def roles_in(claims: dict, role_claims: tuple[str, ...]) -> frozenset[str]:
    roles: set[str] = set()
    for name in role_claims:
        value = claims.get(name)
        if isinstance(value, str):
            roles.update(part for part in value.replace(",", " ").split() if part)
        elif isinstance(value, list):
            roles.update(item for item in value if isinstance(item, str))
    return frozenset(roles)


def verify(
    token: str, config: AuthorizerSettings, signing_key: Callable[[str], jwt.PyJWK | None]
) -> Caller:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken(f"not a JWT: {error}") from None
    if header.get("alg") not in config.algorithms:
        raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
    key = signing_key(str(header.get("kid", "")))
    if key is None:
        raise InvalidToken(f"no issuer key with id {header.get('kid')!r}")
    if config.service_scope_roles and _is_service_token(token):
        return _service_caller(token, key, config)
    claims = _verified_claims(
        token, key, config, audience=config.token_audience, required=["exp", "iss", "aud", "sub"]
    )
    return Caller(
        subject=str(claims["sub"]), roles=roles_in(claims, config.role_claims), claims=claims
    )


def _verified_claims(
    token: str,
    key: jwt.PyJWK,
    config: AuthorizerSettings,
    *,
    audience: str | None,
    required: list[str],
) -> dict:
    """The token's claims, once its signature, algorithm, issuer, times, `audience` (None: a
    service token, which has none) and `required` claims are checked."""
    try:
        return jwt.decode(
            token,
            key=key,
            algorithms=list(config.algorithms),
            audience=audience,
            issuer=config.token_issuer,
            leeway=config.token_leeway_seconds,
            options={"require": required, "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(f"{type(error).__name__}: {error}") from None


def _is_service_token(token: str) -> bool:
    # Only routes the decision; the signature and every claim are verified after it.
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise InvalidToken(f"unreadable claims: {error}") from None
    return "aud" not in unverified and "client_id" in unverified


def _service_caller(token: str, key: jwt.PyJWK, config: AuthorizerSettings) -> Caller:
    claims = _verified_claims(
        token, key, config, audience=None, required=["exp", "iss", "sub", "client_id", "scope"]
    )
    if claims.get("token_use") != "access":
        raise InvalidToken("a token without audience must be an access token")
    scopes = str(claims["scope"]).split()
    roles = {role for scope in scopes for role in config.service_scope_roles.get(scope, ())}
    return Caller(subject=str(claims["client_id"]), roles=frozenset(roles), claims=claims)
