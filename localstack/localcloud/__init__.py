"""LocalStack plugins for running this project's stack on a host with no Docker engine.

They reach into localstack-core's internals, so they are written for one version of it: the one
pinned in localstack/requirements.txt, repeated here so the local cloud can refuse any other
(cloud.py before starting it, localcloud.version inside it).
"""

LOCALSTACK_VERSION = "2026.3.0"
