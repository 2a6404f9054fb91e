"""The local issuer's command line (`make token`): the claims a token carries, as Cognito's ID
tokens carry them."""

import time
import urllib.error

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


def issued_at(monkeypatch, failure: Exception) -> int:
    """The iat of a token minted while asking the local cloud's clock fails with `failure`."""
    monkeypatch.setattr(local_issuer, "signing_key", lambda: KEY)

    def clock_time() -> float:
        raise failure

    monkeypatch.setattr(local_issuer.local_cloud, "clock_time", clock_time)
    token = local_issuer.token_for("ana", ["analyst"])
    return jwt.decode(token, options={"verify_signature": False})["iat"]


def test_with_no_local_cloud_running_the_token_is_dated_on_the_hosts_time(monkeypatch):
    refused = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    assert abs(issued_at(monkeypatch, refused) - time.time()) < 5


def test_a_clock_that_does_not_answer_is_an_error_not_the_hosts_time(monkeypatch):
    # A token dated on the host's time would be refused once the local cloud's clock has moved
    with pytest.raises(TimeoutError):
        issued_at(monkeypatch, TimeoutError("timed out"))
