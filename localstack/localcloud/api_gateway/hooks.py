"""Start-up hook: put the authorizer and throttling steps into the REST API handler chain and
let CloudFormation's stages carry their method settings (see the package's docstring)."""

from __future__ import annotations

import logging

from localstack.runtime import hooks

from localcloud.support.patching import after_import

LOG = logging.getLogger(__name__)


def _insert_steps(gateway_module) -> None:
    from localstack.services.apigateway.next_gen.execute_api import handlers

    from localcloud.api_gateway.authorizer import authorize
    from localcloud.api_gateway.resource_policy import judge_invoke_permission
    from localcloud.api_gateway.throttling import throttle_stage_and_method, throttle_usage_plan

    original_init = gateway_module.RestApiGateway.__init__
    if getattr(original_init, "__wrapped__", None) is not None:
        return

    def init_with_access_control(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        steps = self.request_handlers
        api_key_step = steps.index(handlers.api_key_validation_handler)
        steps[api_key_step:api_key_step] = [
            throttle_stage_and_method,
            judge_invoke_permission,
            authorize,
        ]
        steps.insert(steps.index(handlers.api_key_validation_handler) + 1, throttle_usage_plan)

    init_with_access_control.__wrapped__ = original_init
    gateway_module.RestApiGateway.__init__ = init_with_access_control
    LOG.info("REST APIs: Lambda authorizers and throttling enforced")


def _patch_stage_provider(module) -> None:
    from localcloud.api_gateway.stage_settings import update, with_method_settings

    provider = module.ApiGatewayStageProvider
    if getattr(provider.create, "__wrapped__", None) is None:
        created = with_method_settings(provider.create)
        created.__wrapped__ = provider.create
        provider.create = created
        provider.update = update


@hooks.on_infra_start()
def enforce_authorizers_and_throttling():
    after_import(
        "localstack.services.apigateway.next_gen.execute_api.gateway",
        requires=("RestApiGateway.__init__",),
    )(_insert_steps)
    after_import(
        "localstack.services.apigateway.resource_providers.aws_apigateway_stage",
        requires=("ApiGatewayStageProvider.create", "ApiGatewayStageProvider.update"),
    )(_patch_stage_provider)
