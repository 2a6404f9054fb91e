"""The local cloud's token issuer: what Cognito is to the AWS stages.

    devkit issuer init                  # the signing key, made once
    devkit issuer token --role reviewer --user rita [--claim org=acme] [--email rita@acme.example]

The signing key is made at set-up in .local-cloud/issuer/ (git-ignored, never committed). Its
public half is published as a JWKS document in the local cloud's S3, at
{local cloud}/local-issuer/.well-known/jwks.json, each time the stack is deployed there: that is
the JWKS URL the stack's authorizer is given, as it would be given Cognito's.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devkit import PROJECT, local_cloud

KEY_FILE = PROJECT / ".local-cloud" / "issuer" / "signing-key.pem"
BUCKET = "local-issuer"
JWKS_KEY = ".well-known/jwks.json"
AUDIENCE = "serverless-workflows"
TOKEN_LIFETIME_SECONDS = 3600


def issuer(endpoint: str | None = None) -> str:
    return f"{endpoint or local_cloud.endpoint()}/{BUCKET}"


def jwks_url(endpoint: str | None = None) -> str:
    return f"{issuer(endpoint)}/{JWKS_KEY}"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signing_key(path: Path = KEY_FILE) -> rsa.RSAPrivateKey:
    """The local issuer's key, made on first use (owner-only file)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = new_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def key_id(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(public).hexdigest()[:16]


def jwks(key: rsa.RSAPrivateKey) -> dict:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": key_id(key), "use": "sig", "alg": "RS256"}]}


def mint(
    key: rsa.RSAPrivateKey,
    *,
    subject: str,
    roles: list[str],
    issuer: str,
    audience: str = AUDIENCE,
    claims: dict | None = None,
    lifetime_seconds: int = TOKEN_LIFETIME_SECONDS,
    now: float | None = None,
) -> str:
    """A signed RS256 token; `claims` add to or override the standard ones."""
    now = int(time.time() if now is None else now)
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "roles": roles,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        **(claims or {}),
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": key_id(key)})


def verified_email(address: str) -> dict:
    """The claims of an address the issuer has verified, as a Cognito ID token carries them."""
    return {"email": address, "email_verified": True}


def token_for(user: str, roles: list[str], claims: dict | None = None) -> str:
    """A token the stack deployed on this local cloud (LOCAL_CLOUD_PORT) accepts: issued on the
    local cloud's clock, which its authorizer reads (as Cognito and Lambda share AWS's)."""
    return mint(
        signing_key(),
        subject=user,
        roles=roles,
        issuer=issuer(),
        claims=claims,
        now=_local_cloud_time(),
    )


def _local_cloud_time() -> float:
    try:
        return local_cloud.clock_time()
    except OSError as error:
        # Not running: it starts on the host's time. Any other failure (a slow answer) is
        # raised: a token dated on the host's time is refused once the clock has moved.
        if isinstance(getattr(error, "reason", error), ConnectionRefusedError):
            return time.time()
        raise


def publish(s3, key: rsa.RSAPrivateKey | None = None) -> None:
    """Put the issuer's JWKS in the local cloud's S3 (the bucket is made if missing)."""
    key = key or signing_key()
    if BUCKET not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_object(
        Bucket=BUCKET,
        Key=JWKS_KEY,
        Body=json.dumps(jwks(key)).encode(),
        ContentType="application/json",
    )


SIGNING_KEY_SECRET = "local-issuer/signing-key"  # noqa: S105 - a secret's name


def store_signing_key(secretsmanager, key: rsa.RSAPrivateKey | None = None) -> None:
    """Put the issuer's private key in the local cloud's Secrets Manager, for the stack's local
    token endpoint (service tokens); it never leaves this machine's local cloud."""
    pem = (
        (key or signing_key())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    try:
        secretsmanager.put_secret_value(SecretId=SIGNING_KEY_SECRET, SecretString=pem)
    except secretsmanager.exceptions.ResourceNotFoundException:
        secretsmanager.create_secret(Name=SIGNING_KEY_SECRET, SecretString=pem)


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser("devkit issuer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="make the signing key if it is missing")
    token = commands.add_parser("token", help="print a token for the local stack")
    token.add_argument("--user", help="the token's subject (default: your login name, said)")
    token.add_argument("--role", default="", help="roles, comma-separated (e.g. reviewer)")
    token.add_argument(
        "--claim", action="append", default=[], metavar="NAME=VALUE", help="an extra claim"
    )
    token.add_argument(
        "--email", help="the user's address, as verified (email and email_verified: true)"
    )
    args = parser.parse_args(arguments)
    if args.command == "init":
        signing_key()
        return
    claims = {}
    for claim in args.claim:
        name, equals, value = claim.partition("=")
        if not equals or not name:
            parser.error(f"--claim wants NAME=VALUE, got {claim!r}")
        if value:
            claims[name] = value
    if args.email:
        claims.update(verified_email(args.email))
    roles = [role.strip() for role in args.role.split(",") if role.strip()]
    if not args.user:
        args.user = getpass.getuser()
        print(f"# no USER= given: the token is for {args.user}, your login name", file=sys.stderr)
    note = f"# {args.user}, roles {','.join(roles) or 'none'}, for {issuer()}; valid one hour"
    print(note, file=sys.stderr)
    print(token_for(args.user, roles, claims))
