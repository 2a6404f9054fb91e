"""A policy statement's `Condition` block judged against a request's context, operator by
operator, as the IAM User Guide documents it ("IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys", "IAM policy elements: Variables and tags")."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ContextValue = str | list[str] | bool
Compare = Callable[[str, str], bool]


class InvalidPolicy(ValueError):
    """A policy AWS would have refused when it was written (an unknown condition operator, a
    statement without an effect); it is never judged as if it meant something."""


class Context:
    """A request's condition keys, looked up as IAM does: key names ignore case, values keep it."""

    def __init__(self, values: Mapping[str, ContextValue]) -> None:
        self._values = {key.lower(): value for key, value in values.items()}

    def get(self, key: str) -> list[str] | None:
        """The key's values as text (a single-valued key gives one), or None when absent."""
        value = self._values.get(key.lower())
        if value is None:
            return None
        if isinstance(value, bool):
            return ["true" if value else "false"]
        return [value] if isinstance(value, str) else list(value)


@lru_cache(maxsize=4096)
def wildcards(patterns: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """One expression matching any of the patterns: `*` any run of characters, `?` any one,
    everything else literal (IAM's wildcards)."""
    text = "|".join(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        for pattern in patterns
    )
    return re.compile(text, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return wildcards((pattern,), ignore_case).fullmatch(value) is not None


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def substitute(text: str, context: Context) -> str | None:
    """`${key}` replaced by the key's value, `${key, 'default'}` by the default when it is
    absent; `${*}`, `${?}`, `${$}` are those characters. None when a key has no single value,
    so the element holding it matches nothing ("IAM policy elements: Variables and tags")."""
    if "${" not in text:
        return text
    missing = False

    def value_of(found: re.Match[str]) -> str:
        nonlocal missing
        name, _, default = found.group(1).partition(",")
        name = name.strip()
        if name in _LITERALS:
            return _LITERALS[name]
        values = context.get(name)
        if values is not None and len(values) == 1:
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        missing = True
        return ""

    result = _VARIABLE.sub(value_of, text)
    return None if missing else result


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> datetime:
    """ISO 8601 dates and times, or seconds since the epoch, as IAM accepts both."""
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _arn_like(pattern: str, value: str) -> bool:
    """Each of the six colon-separated parts matched on its own ("ARN condition operators")."""
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    return len(pattern_parts) == len(value_parts) == 6 and all(
        matches(p, v) for p, v in zip(pattern_parts, value_parts, strict=True)
    )


def _ip_in(network: str, address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)


def _binary_equals(policy: str, value: str) -> bool:
    return base64.b64decode(policy, validate=True) == base64.b64decode(value, validate=True)


def _ordered(parse: Callable[[str], Any], check: Callable[[Any, Any], bool]) -> Compare:
    return lambda policy, value: check(parse(value), parse(policy))


@dataclass(frozen=True)
class Operator:
    """One condition operator: how one request value compares with one policy value, and
    whether the operator is a negation (true when no policy value matches)."""

    compare: Compare
    negated: bool = False


def _string_equals(policy: str, value: str) -> bool:
    return policy == value


def _string_equals_ignore_case(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _bool(policy: str, value: str) -> bool:
    return policy.lower() == value.lower()


def _string_like(policy: str, value: str) -> bool:
    return matches(policy, value)


OPERATORS: dict[str, Operator] = {
    "StringEquals": Operator(_string_equals),
    "StringNotEquals": Operator(_string_equals, negated=True),
    "StringEqualsIgnoreCase": Operator(_string_equals_ignore_case),
    "StringNotEqualsIgnoreCase": Operator(_string_equals_ignore_case, negated=True),
    "StringLike": Operator(_string_like),
    "StringNotLike": Operator(_string_like, negated=True),
    "NumericEquals": Operator(_ordered(_number, lambda a, b: a == b)),
    "NumericNotEquals": Operator(_ordered(_number, lambda a, b: a == b), negated=True),
    "NumericLessThan": Operator(_ordered(_number, lambda a, b: a < b)),
    "NumericLessThanEquals": Operator(_ordered(_number, lambda a, b: a <= b)),
    "NumericGreaterThan": Operator(_ordered(_number, lambda a, b: a > b)),
    "NumericGreaterThanEquals": Operator(_ordered(_number, lambda a, b: a >= b)),
    "DateEquals": Operator(_ordered(_date, lambda a, b: a == b)),
    "DateNotEquals": Operator(_ordered(_date, lambda a, b: a == b), negated=True),
    "DateLessThan": Operator(_ordered(_date, lambda a, b: a < b)),
    "DateLessThanEquals": Operator(_ordered(_date, lambda a, b: a <= b)),
    "DateGreaterThan": Operator(_ordered(_date, lambda a, b: a > b)),
    "DateGreaterThanEquals": Operator(_ordered(_date, lambda a, b: a >= b)),
    "Bool": Operator(_bool),
    "BinaryEquals": Operator(_binary_equals),
    "IpAddress": Operator(_ip_in),
    "NotIpAddress": Operator(_ip_in, negated=True),
    "ArnEquals": Operator(_arn_like),
    "ArnLike": Operator(_arn_like),
    "ArnNotEquals": Operator(_arn_like, negated=True),
    "ArnNotLike": Operator(_arn_like, negated=True),
}

_SET_OPERATORS = ("ForAllValues:", "ForAnyValue:")


@dataclass(frozen=True)
class Condition:
    """One `"Operator": {"key": values}` entry of a Condition block, parsed once."""

    operator: str
    key: str
    values: tuple[str, ...]
    variables: bool = True  # policy variables are read only in policies of version 2012-10-17

    def holds(self, context: Context) -> bool:
        """Whether this condition holds for the request ("Condition operators")."""
        name, set_operator, if_exists = _split_operator(self.operator)
        found = context.get(self.key)
        if name == "Null":
            return any((found is None) == (v.lower() == "true") for v in self.values)
        if set_operator == "ForAllValues:":
            # True for a missing or empty key ("Multivalued context keys").
            return all(self._one_value_holds(name, value, context) for value in found or [])
        if set_operator == "ForAnyValue:":
            return any(self._one_value_holds(name, value, context) for value in found or [])
        if found is None:
            # A missing key matches nothing: true only for a negation or ...IfExists.
            return if_exists or OPERATORS[name].negated
        return self._values_hold(name, found, context)

    def _values_hold(self, name: str, found: list[str], context: Context) -> bool:
        """A plain operator on a key with several values: any of them matching will do
        (none, for a negation)."""
        operator = OPERATORS[name]
        hits = (self._compare(operator.compare, value, context) for value in found)
        return not any(hits) if operator.negated else any(hits)

    def _one_value_holds(self, name: str, value: str, context: Context) -> bool:
        operator = OPERATORS[name]
        hit = self._compare(operator.compare, value, context)
        return not hit if operator.negated else hit

    def _compare(self, compare: Compare, value: str, context: Context) -> bool:
        """Whether the request value matches any of the policy's values (values are OR-ed); a
        value that cannot be read as the operator's type matches nothing."""
        for policy_value in self.values:
            expected = substitute(policy_value, context) if self.variables else policy_value
            if expected is None:
                continue
            try:
                if compare(expected, value):
                    return True
            except (ValueError, binascii.Error):
                continue
        return False


def _split_operator(operator: str) -> tuple[str, str, bool]:
    """("StringLike", "ForAnyValue:", True) for "ForAnyValue:StringLikeIfExists"."""
    set_operator = next((p for p in _SET_OPERATORS if operator.startswith(p)), "")
    name = operator.removeprefix(set_operator)
    if_exists = name.endswith("IfExists") and name != "IfExists"
    return name.removesuffix("IfExists") if if_exists else name, set_operator, if_exists


def parse_conditions(block: Any, *, variables: bool = True) -> tuple[Condition, ...]:
    """A statement's Condition block as conditions, all of which must hold; InvalidPolicy for an
    operator IAM does not know."""
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise InvalidPolicy(f"a Condition must be an object, not {block!r}")
    conditions = []
    for operator, keys in block.items():
        name, _, _ = _split_operator(operator)
        if name not in OPERATORS and name != "Null":
            raise InvalidPolicy(f"unknown condition operator {operator!r}")
        if not isinstance(keys, Mapping):
            raise InvalidPolicy(f"condition {operator!r} must map keys to values")
        for key, values in keys.items():
            conditions.append(Condition(operator, key, tuple(_texts(values)), variables))
    return tuple(conditions)


def _texts(values: Any) -> Iterable[str]:
    """Policy values as text: JSON booleans and numbers are written as IAM reads them."""
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, bool):
            yield "true" if value else "false"
        else:
            yield str(value)
