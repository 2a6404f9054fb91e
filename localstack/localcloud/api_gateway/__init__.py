"""API Gateway (REST) authorizers and throttling, enforced as AWS enforces them.

localstack-core's REST API handler chain (parse -> route -> API key -> method request ->
integration -> responses) has no authorizer step and never throttles, so a method protected by
a Lambda authorizer is open on the local cloud and nothing answers 429. This adds three steps
to the chain, in the order AWS applies them:

    route -> stage/method throttling -> Lambda authorizer -> API key -> usage-plan throttling

- `authorizer.py`: TOKEN and REQUEST Lambda authorizers (identity sources, result cache, policy
  evaluation against the method ARN, the authorizer's context to the integration).
- `throttling.py`: token buckets for the stage's method settings and for usage plans.
- `policy.py`: the parts that need no LocalStack (policy evaluation, token bucket, TTL cache).
- `stage_settings.py`: CloudFormation's AWS::ApiGateway::Stage applies MethodSettings (the
  community provider drops them, so a template's throttling would never reach the stage).
"""
