"""LocalStack's OpenAPI validators of its own endpoints (`/_localstack/...`, `/_aws/...`) are
not imported while they are off, as they are unless OPENAPI_VALIDATE_REQUEST or
OPENAPI_VALIDATE_RESPONSE is set: their module imported openapi-core (with pydantic-settings,
asyncio, ...) at every start for two steps of the handler chain that then returned at once.
That was 17 MiB of an idle local cloud's 126 MiB, and 0.14 s of each start.

A runtime-create hook: LocalStack runs it before it imports its handler chain, which then
finds stand-ins that do what the validators do when off (nothing). With either setting on,
LocalStack's own module is imported as before.
"""

from __future__ import annotations

import sys
import types

from localstack.runtime import hooks

from localcloud.support.patching import refuse_unless_in_source

VALIDATION = "localstack.aws.handlers.validation"
VALIDATORS = ("OpenAPIRequestValidator", "OpenAPIResponseValidator")


@hooks.on_runtime_create()
def import_openapi_validators_only_when_on() -> None:
    from localstack import config

    if config.OPENAPI_VALIDATE_REQUEST or config.OPENAPI_VALIDATE_RESPONSE:
        return
    refuse_unless_in_source(VALIDATION, requires=[f"{name}.__call__" for name in VALIDATORS])
    stand_in = types.ModuleType(VALIDATION, __doc__)
    for name in VALIDATORS:
        setattr(stand_in, name, type(name, (ValidatorOff,), {}))
    sys.modules.setdefault(VALIDATION, stand_in)


class ValidatorOff:
    """A step of the handler chain that validates nothing, as LocalStack's does when off."""

    def __call__(self, chain, context, response) -> None:
        return None
