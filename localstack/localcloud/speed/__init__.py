"""Patches that make LocalStack faster on a 2-core machine, each one found by profiling and
measured; what LocalStack answers is unchanged. localstack/README.md lists each one with its
figures."""
