"""botocore's endpoint and partition data parsed once per process, not once per session.

LocalStack and moto make a new boto3 Session to list a service's regions the first time each
service's store or backend is used (LocalStack's `get_valid_regions_for_service`, moto's
`BackendDict`), and each new session's loader parsed botocore's endpoints.json (1 MB) again:
profiled with py-spy, a third of LocalStack's request threads' time from a start to the first
function turning Active, and a part of every first request to a service in a first deploy.
The files are botocore's own, never changed while it runs and only read (by its endpoint
resolvers): every loader with the same search paths now shares one parse of each.
"""

from __future__ import annotations

import threading

from localstack.runtime import hooks

from localcloud.support.patching import refuse_unless_present

SHARED = frozenset({"endpoints", "partitions"})


@hooks.on_infra_start()
def parse_botocore_endpoints_once() -> None:
    from botocore import loaders  # imported by LocalStack before any start hook

    refuse_unless_present(loaders, ("Loader.load_data_with_path", "Loader.search_paths"))
    per_loader = loaders.Loader.load_data_with_path
    parsed: dict[tuple, tuple] = {}
    lock = threading.Lock()

    def load_data_with_path(self, name):
        if name not in SHARED:
            return per_loader(self, name)
        key = (tuple(self.search_paths), name)
        with lock:
            if key not in parsed:
                parsed[key] = per_loader(self, name)
            return parsed[key]

    loaders.Loader.load_data_with_path = load_data_with_path
