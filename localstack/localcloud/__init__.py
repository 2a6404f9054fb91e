"""LocalStack plugins for running this project's stack on a host with no Docker engine."""
