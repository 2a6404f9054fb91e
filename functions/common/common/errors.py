"""One way to describe validation errors: where and what, never the value.

pydantic's own text (and Powertools' validation errors) repeat the input, which may be
personal data; these lines name the field and the rule only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError


def field_errors(
    error: ValidationError | Iterable[Mapping[str, Any]], drop_prefix: tuple[str, ...] = ()
) -> list[str]:
    """`field.path: message` for each error; drop_prefix removes a leading location such as
    ("body",) that says where the request carried the field."""
    items = (
        error.errors(include_input=False, include_url=False, include_context=False)
        if isinstance(error, ValidationError)
        else error
    )
    described = []
    for item in items:
        location = [str(part) for part in item.get("loc", ())]
        if tuple(location[: len(drop_prefix)]) == drop_prefix:
            location = location[len(drop_prefix) :]
        where = ".".join(location) or (drop_prefix[-1] if drop_prefix else "input")
        described.append(f"{where}: {item.get('msg', 'invalid')}")
    return described
