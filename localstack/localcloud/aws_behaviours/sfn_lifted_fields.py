"""Map state fields AWS accepts and LocalStack's grammar refuses: lifted out of a definition
before LocalStack parses it, and handed back to each Map state it builds (by state name, which
is unique in a whole state machine, nested states included)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from localcloud.support.patching import after_import

PARSER = "localstack.services.stepfunctions.asl.parse.asl_parser"
STATE_MAP = "localstack.services.stepfunctions.asl.component.state.state_execution.state_map"


def lift_for_maps(
    name: str,
    lift: Callable[[str], tuple[str, dict[str, Any]]],
    put_back: Callable[[Any, Any], None],
) -> None:
    """Around each parse, `lift(definition)` gives what the grammar accepts and what it lifted,
    by Map state name; each Map state then built gets `put_back(state, its lifted fields or
    None)`."""
    lifted: contextvars.ContextVar[dict | None] = contextvars.ContextVar(name, default=None)

    @after_import(PARSER, requires=("AmazonStateLanguageParser.parse",))
    def parse_lifted(asl_parser):
        parse = asl_parser.AmazonStateLanguageParser.parse

        def parse_as_aws(definition: str):
            accepted, fields = lift(definition)
            token = lifted.set(fields)
            try:
                return parse(accepted)
            finally:
                lifted.reset(token)

        asl_parser.AmazonStateLanguageParser.parse = staticmethod(parse_as_aws)

    @after_import(f"{STATE_MAP}.state_map", requires=("StateMap.from_state_props",))
    def put_lifted_back(state_map):
        from_state_props = state_map.StateMap.from_state_props

        def from_state_props_as_aws(self, state_props) -> None:
            from_state_props(self, state_props)
            put_back(self, (lifted.get() or {}).get(self.name))

        state_map.StateMap.from_state_props = from_state_props_as_aws
