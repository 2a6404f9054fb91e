"""Patches that keep LocalStack's memory flat over long runs (threads it never let go, S3 bodies
held in memory, Step Functions executions kept for ever); what LocalStack answers is unchanged.
localstack/README.md lists each one with its figures."""
