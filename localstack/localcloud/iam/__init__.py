"""IAM enforcement (being built): AWS's policy evaluation, pure Python, no LocalStack imports."""
