"""The authorizer's settings: outside the local stage, the issuer and its keys are https only
(keys fetched over plain http could be swapped on the way, and every token forged)."""

from __future__ import annotations

import pytest

from authorizer.settings import AuthorizerSettings
from common.settings import SettingsError, load_settings

HTTP_ISSUER = "http://issuer.example.com/pool"
HTTP_JWKS = f"{HTTP_ISSUER}/.well-known/jwks.json"


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
@pytest.mark.parametrize(
    ("variable", "value"),
    [("AUTHORIZER_TOKEN_ISSUER", HTTP_ISSUER), ("AUTHORIZER_JWKS_URL", HTTP_JWKS)],
)
def test_an_http_issuer_or_key_set_fails_the_cold_start_in_aws_stages(
    monkeypatch, stage, variable, value
):
    # GIVEN an AWS stage whose issuer (or key set) is named by a plain http URL
    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv(variable, value)
    # WHEN the authorizer loads its settings THEN the error names the variable, not its value
    with pytest.raises(SettingsError, match=f"{variable}: .*https://") as raised:
        load_settings(AuthorizerSettings)
    assert "issuer.example.com" not in str(raised.value)


def test_the_local_clouds_issuer_may_be_http(monkeypatch):
    monkeypatch.setenv("STAGE", "local")
    monkeypatch.setenv("AUTHORIZER_TOKEN_ISSUER", "http://127.0.0.1:4566/local-issuer")
    monkeypatch.setenv(
        "AUTHORIZER_JWKS_URL", "http://127.0.0.1:4566/local-issuer/.well-known/jwks.json"
    )
    settings = load_settings(AuthorizerSettings)
    assert settings.jwks_url.startswith("http://127.0.0.1")


def test_https_urls_load_in_aws_stages(monkeypatch):
    monkeypatch.setenv("STAGE", "prod")
    assert load_settings(AuthorizerSettings).token_issuer.startswith("https://")
