"""Function URLs a local client can reach: `http://127.0.0.1:<port>/_aws/lambda-url/<url id>/...`,
the path form the REST API has (`/_aws/execute-api/<api id>/<stage>/...`).

LocalStack routes a function URL by its host name only (`<url id>.lambda-url.<region>.<host>`)
and hands out that name, which no resolver on a normal machine knows. This adds the path form
on the local cloud's own address, gives it out as the URL in CreateFunctionUrlConfig's answer
(and so in GetFunctionUrlConfig's, ListFunctionUrlConfigs' and CloudFormation's `FunctionUrl`),
and invokes the function with the event a call to the host form makes: the path the function
sees is what follows the URL id, as on AWS. The host form keeps working.
"""

from __future__ import annotations

import dataclasses

from localstack.runtime import hooks

from localcloud.support.patching import after_import

PREFIX = "/_aws/lambda-url"


def url_for(url_id: str) -> str:
    from localstack.utils.urls import localstack_host

    from localstack import config

    address = localstack_host(custom_port=config.GATEWAY_LISTEN[0].port).host_and_port()
    return f"http://{address}{PREFIX}/{url_id}/"


@hooks.on_infra_start()
def lambda_function_urls():
    after_import(
        "localstack.services.lambda_.urlrouter",
        requires=(
            "FunctionUrlRouter.register_routes",
            "FunctionUrlRouter.handle_lambda_url_invocation",
            "lambda_stores",
        ),
    )(_route_the_path_form)
    after_import(
        "localstack.services.lambda_.provider",
        requires=("LambdaProvider.create_function_url_config", "lambda_stores"),
    )(_hand_out_the_path_form)


def _region_of(urlrouter, url_id: str) -> str | None:
    for account in urlrouter.lambda_stores.values():
        for region, store in account.items():
            for function in store.functions.values():
                for config in function.function_url_configs.values():
                    if config.url_id.lower() == url_id.lower():
                        return region
    return None


def _route_the_path_form(urlrouter) -> None:
    router_class = urlrouter.FunctionUrlRouter
    register_routes = router_class.register_routes

    def register_with_path_form(self) -> None:
        first = not self.registered
        register_routes(self)
        if not first:
            return

        def invoke_by_path(request, url_id: str, path: str = "", **_):
            from rolo.request import Request, restore_payload

            region = _region_of(urlrouter, url_id) or "us-east-1"  # unknown: the same 403
            inner = Request(
                method=request.method,
                path=f"/{path}",
                headers=request.headers,
                body=restore_payload(request),
                scheme=request.scheme,
                query_string=request.query_string,
                remote_addr=request.remote_addr,
            )
            return self.handle_lambda_url_invocation(inner, api_id=url_id, region=region)

        self.router.add(f"{PREFIX}/<url_id>/", endpoint=invoke_by_path, defaults={"path": ""})
        self.router.add(f"{PREFIX}/<url_id>/<path:path>", endpoint=invoke_by_path)

    router_class.register_routes = register_with_path_form


def _hand_out_the_path_form(provider) -> None:
    provider_class = provider.LambdaProvider
    create = provider_class.create_function_url_config

    def create_with_path_form(self, context, function_name, *args, **kwargs):
        answer = create(self, context, function_name, *args, **kwargs)
        for function in provider.lambda_stores[context.account_id][
            context.region
        ].functions.values():
            for qualifier, config in list(function.function_url_configs.items()):
                if config.url == answer["FunctionUrl"]:
                    reachable = dataclasses.replace(config, url=url_for(config.url_id))
                    function.function_url_configs[qualifier] = reachable
                    answer["FunctionUrl"] = reachable.url
        return answer

    provider_class.create_function_url_config = create_with_path_form
