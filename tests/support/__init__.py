"""What the tests share beside the dev tools' local-cloud client (devkit.local_cloud: clients,
instances, waiting with deadlines): tokens, sample events, templates, workflow kits."""
