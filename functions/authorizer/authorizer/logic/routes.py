"""Which routes a caller's roles open: every route configured with one of those roles.

The policy lists them all (not just the route asked for), because API Gateway caches the
answer by token and evaluates the cached policy for the caller's next routes too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def routes_for(
    roles: Iterable[str], route_roles: Mapping[str, Iterable[str]]
) -> list[tuple[str, str]]:
    """[(HTTP method, resource path)] the roles may call, in configuration order."""
    held = set(roles)
    allowed = []
    for route, needed in route_roles.items():
        if held & set(needed):
            method, _, path = route.strip().partition(" ")
            allowed.append((method.upper(), path.strip()))
    return allowed
