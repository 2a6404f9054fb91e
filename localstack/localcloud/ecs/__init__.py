"""ECS on the local cloud: clusters and task definitions kept by moto, Fargate tasks run as host
processes, one per container, with AWS's life cycle (`provider.py`, `tasks.py`)."""
