"""What every plugin stands on: patching LocalStack's modules without ever doing it silently
(`patching`), the check that the installed localstack-core is the one they fit (`version`), and
the gateway server bound to 127.0.0.1 (`server`)."""
