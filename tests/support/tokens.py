"""Bearer tokens for tests: from the local issuer (what the deployed stack trusts), or from a
throwaway key (what it must refuse)."""

from __future__ import annotations

from devkit import local_issuer


def reviewer_token(user: str = "rita", roles: tuple[str, ...] = ("reviewer",), **claims) -> str:
    """A token the stack on this local cloud (LOCAL_CLOUD_PORT) accepts, for `user`."""
    return local_issuer.token_for(user, list(roles), claims)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
