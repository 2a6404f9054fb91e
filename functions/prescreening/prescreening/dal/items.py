"""JSON values to and from DynamoDB's typed attribute values (numbers as Decimal)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, dict]:
    exact = json.loads(json.dumps(values), parse_float=Decimal)
    return {key: _serializer.serialize(value) for key, value in exact.items() if value is not None}


def from_item(item: dict[str, dict]) -> dict[str, Any]:
    plain = {key: _deserializer.deserialize(value) for key, value in item.items()}
    return json.loads(json.dumps(plain, default=_number))


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value))
