"""One request parser per service and protocol, for in-memory calls too.

localstack-core caches its request parsers by ServiceModel object. Calls made inside LocalStack
with IN_MEMORY_CLIENT (Step Functions invoking Lambda, for instance) carry the calling botocore
client's own ServiceModel, a new object per client, so every such call built a new parser: a
werkzeug routing map compiled from the whole service spec (a fifth of LocalStack's time in the
pre-screening benchmark) and one more entry in an unbounded cache. Parsers are stateless across
requests, and two models of one service name, protocol and API version parse alike (an HTTP
request from the same client is parsed with LocalStack's own model), so the cache is keyed by
those instead.
"""

from __future__ import annotations

from localstack.runtime import hooks

from localcloud.support.patching import refuse_unless_present


def _by_service_name(build):
    parsers: dict[tuple, object] = {}

    def create_parser(service, protocol=None):
        key = (service.service_name, service.protocol, service.api_version, protocol)
        parser = parsers.get(key)
        if parser is None:
            # Two threads may both build it on first use; either result is equally good.
            parser = parsers[key] = build(service, protocol)
        return parser

    return create_parser


@hooks.on_infra_start()
def cache_request_parsers_by_service_name():
    from localstack.aws import skeleton
    from localstack.aws.handlers import service
    from localstack.aws.protocol import parser

    # Imported at start by LocalStack anyway: patched in place, its targets checked first.
    for module in (parser, service, skeleton):
        refuse_unless_present(module, ("create_parser",))
    create_parser = _by_service_name(
        getattr(parser.create_parser, "__wrapped__", parser.create_parser)
    )
    parser.create_parser = create_parser
    service.create_parser = create_parser
    skeleton.create_parser = create_parser
