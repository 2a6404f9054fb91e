"""One Logger and one Tracer per function, named by POWERTOOLS_SERVICE_NAME.

Handlers import these instead of building their own, so every function logs the same JSON
shape and traces the same way.
"""

from aws_lambda_powertools import Logger, Tracer

logger = Logger()
tracer = Tracer()
