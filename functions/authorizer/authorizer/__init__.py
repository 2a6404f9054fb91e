"""The API's Lambda authorizer: staff endpoints need a JWT bearer token carrying a role."""
