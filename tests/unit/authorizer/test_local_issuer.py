"""The local issuer's command line (`make token`): the claims a token carries, as Cognito's ID
tokens carry them."""

import jwt
import pytest

from devkit import local_issuer


@pytest.fixture
def printed_claims(monkeypatch, capsys):
    """Run `devkit issuer token` with these arguments; the claims of the token it printed."""
    monkeypatch.setattr(local_issuer, "signing_key", lambda: KEY)

    def run(*arguments: str) -> dict:
        local_issuer.main(["token", *arguments])
        token = capsys.readouterr().out.strip().splitlines()[-1]
        return jwt.decode(token, options={"verify_signature": False})

    return run


KEY = local_issuer.new_key()


def test_an_email_is_given_as_verified(printed_claims):
    claims = printed_claims("--user", "ana", "--role", "analyst", "--email", "ana@acme.example")
    assert claims["email"] == "ana@acme.example"
    assert claims["email_verified"] is True


def test_without_an_email_the_token_has_none(printed_claims):
    claims = printed_claims("--user", "ana", "--role", "analyst", "--claim", "org=acme")
    assert {"sub", "roles", "org", "iss", "aud", "iat", "nbf", "exp"} == set(claims)


def test_without_a_user_the_login_name_is_taken_and_said(monkeypatch, capsys):
    # GIVEN make token without USER= (the shell's own $USER is not passed on)
    monkeypatch.setattr(local_issuer, "signing_key", lambda: KEY)
    monkeypatch.setattr(local_issuer.getpass, "getuser", lambda: "alice")
    local_issuer.main(["token", "--role", "reviewer"])
    printed = capsys.readouterr()
    token = printed.out.strip().splitlines()[-1]
    # THEN the token is for the login name, and make token says so
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "alice"
    assert "no USER= given: the token is for alice, your login name" in printed.err
