"""The authorizer's settings: read by its handler module at cold start (common.settings)."""

from __future__ import annotations

import json
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from common.settings import FunctionSettings, env_names


class AuthorizerSettings(FunctionSettings, alias_generator=env_names("AUTHORIZER_")):
    """Each field is read from the variable AUTHORIZER_<FIELD NAME>."""

    # Where the stack runs: only the local cloud's issuer may be reached over plain http.
    stage: str = Field(alias="STAGE")
    # Who issues the tokens and for whom: a token from another issuer or for another audience
    # is refused.
    token_issuer: str = Field(min_length=1)
    token_audience: str = Field(min_length=1)
    # The issuer's public keys (JWKS), fetched over HTTP and kept for jwks_cache_seconds.
    jwks_url: str = Field(min_length=1)
    jwks_cache_seconds: float = Field(600, gt=0)
    # Not a setting: the issuers this API trusts sign with RS256.
    algorithms: ClassVar[tuple[str, ...]] = ("RS256",)
    # Seconds of clock difference tolerated on exp and nbf.
    token_leeway_seconds: float = Field(30, ge=0)
    # Claims holding the caller's roles: the local issuer's "roles", Cognito's groups.
    role_claims: tuple[str, ...] = ("roles", "cognito:groups")
    # Claims passed on to the endpoint (requestContext.authorizer), besides subject and roles:
    # the reports go to the caller's own address, and only once the issuer has verified it.
    context_claims: tuple[str, ...] = ("org", "email", "email_verified")
    # "METHOD /path" (path may end in /*) -> the roles any one of which may call it.
    route_roles: dict[str, tuple[str, ...]]
    # Service (client-credentials) tokens carry no audience and no roles: OAuth scope -> the
    # roles it grants, e.g. {"comms/resend": ["comms-service"]}. Empty: none accepted.
    service_scope_roles: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("role_claims", "context_claims", mode="before")
    @classmethod
    def _comma_list(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("route_roles", "service_scope_roles", mode="before")
    @classmethod
    def _json(cls, value):
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("token_issuer", "jwks_url")
    @classmethod
    def _https_outside_the_local_cloud(cls, value: str, info: ValidationInfo) -> str:
        # Keys fetched over http could be swapped on the way: every token would be forgeable.
        if info.data.get("stage") != "local" and not value.startswith("https://"):
            raise ValueError("must be an https:// URL outside the local stage")
        return value
