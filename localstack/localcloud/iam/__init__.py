"""IAM enforcement (being built): which authorisations a request needs, and whether the
policies in force grant them, as AWS decides. Pure Python, no LocalStack imports."""
