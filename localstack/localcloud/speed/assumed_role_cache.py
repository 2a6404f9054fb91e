"""Internal calls made "as a role" reuse the role's credentials, and so their boto client.

localstack-core's `connect_to.with_assumed_role(role_arn=...)` makes an STS AssumeRole call
for every use and returns a client factory holding the new temporary credentials. Step
Functions does this for every task it runs (`boto_client_for`: each lambda:invoke, sns:publish,
...), and EventBridge, SNS and message forwarding for every delivery to a target with a role.
The client cache behind the factory is keyed by the credentials, so every such call also built
a new boto client (loading the service model, copying the event hooks): profiling the
pre-screening benchmark put a quarter of LocalStack's CPU time there. Each AssumeRole also
left one more credential set in STS's in-memory store, never removed.

This keeps the factory AssumeRole returned for the same (factory, role, service principal,
session name, region, endpoint, config) and hands it out again for a while, as an AWS SDK
keeps an assumed role's credentials until they near expiry. The credentials last an hour
(STS's default, which with_assumed_role uses); a factory is reused for at most
REUSE_SECONDS, so whatever uses a client from it still holds credentials valid for the
remaining three quarters of an hour. Calls still go through the same gateway with the same
account, region and service principal; only the credentials' random key id and session name
repeat between calls, which nothing downstream in the community build checks.

Measured with the pre-screening benchmark at 200 applications on a 2-core machine: LocalStack's
CPU time for the run went from 60-67 s to 43 s (wall time 67-76 s to 46-70 s, on a shared,
busy machine).
"""

from __future__ import annotations

import threading
import time

from localcloud.support.patching import patch_plugin

# Credentials from with_assumed_role are valid for 3,600 s; hand a factory out for a quarter.
REUSE_SECONDS = 900.0

_lock = threading.Lock()


def _reusing(with_assumed_role, clock=time.monotonic):
    def cached_with_assumed_role(
        self,
        *,
        role_arn,
        service_principal=None,
        session_name=None,
        region_name=None,
        endpoint_url=None,
        config=None,
    ):
        key = (role_arn, service_principal, session_name, region_name, endpoint_url, config)
        try:
            hash(key)
        except TypeError:  # an unhashable config: do as LocalStack does
            key = None
        cache = self.__dict__.get("_localcloud_assumed_roles")
        if cache is None:
            with _lock:
                cache = self.__dict__.setdefault("_localcloud_assumed_roles", {})
        now = clock()
        if key is not None:
            hit = cache.get(key)
            if hit is not None and now - hit[0] < REUSE_SECONDS:
                return hit[1]
        factory = with_assumed_role(
            self,
            role_arn=role_arn,
            service_principal=service_principal,
            session_name=session_name,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
        )
        if key is not None:
            # Two threads may both assume the role on first use; either factory is as good.
            cache[key] = (now, factory)
        return factory

    cached_with_assumed_role.__wrapped__ = with_assumed_role
    return cached_with_assumed_role


@patch_plugin("localstack.aws.connect", requires=("ClientFactory.with_assumed_role",))
def reuse_assumed_role_clients(connect) -> None:
    original = connect.ClientFactory.with_assumed_role
    if getattr(original, "__wrapped__", None) is None:
        connect.ClientFactory.with_assumed_role = _reusing(original)
