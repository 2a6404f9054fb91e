"""Personal data masked before it reaches a log, a trace or a log table: Powertools DataMasking.

    masked(application, {"applicant.nationalId": keep_last(3), "applicant.dateOfBirth": ERASE})

Paths are JSONPath below the root ("applicant.nationalId", "..email"); a path the data does not
hold is skipped, so one set of rules serves partial and complete records alike.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_masking import DataMasking

ERASE: dict[str, str] = {}  # the value becomes Powertools' mask, "*****"


def keep_last(digits: int) -> dict[str, str]:
    """Every character but the last `digits` masked, so a person can match a case."""
    return {"regex_pattern": rf".(?=.{{{digits}}})", "mask_format": "*"}


@cache
def _masking() -> DataMasking:
    return DataMasking(raise_on_missing_field=False)


def masked(data: Mapping[str, Any], rules: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """A masked copy of `data` (the original is untouched)."""
    with warnings.catch_warnings():
        # Powertools warns for each rule the data has no field for; partial data is expected.
        warnings.simplefilter("ignore")
        return _masking().erase(dict(data), masking_rules={k: dict(v) for k, v in rules.items()})
