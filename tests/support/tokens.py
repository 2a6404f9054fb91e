"""Bearer tokens for tests: from the local issuer (what the deployed stack trusts), or from a
throwaway key (what it must refuse)."""

from __future__ import annotations

import local_issuer
from support.localcloud import endpoint


def reviewer_token(user: str = "rita", roles: tuple[str, ...] = ("reviewer",), **claims) -> str:
    """A token the local stack accepts, for `user` with `roles`."""
    return local_issuer.mint(
        local_issuer.signing_key(),
        subject=user,
        roles=list(roles),
        issuer=local_issuer.issuer(endpoint()),
        claims=claims,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
