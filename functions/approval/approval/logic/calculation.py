"""The sums: Calculate's addition and the third party's doubling."""

from __future__ import annotations

from dataclasses import dataclass

from approval.models import DOUBLED_LIMIT, SUM_LIMIT, NumberIsTooBig


def add(x: int, y: int) -> int:
    total = x + y
    if total > SUM_LIMIT:
        raise NumberIsTooBig(f"{x} + {y} = {total}, which is over {SUM_LIMIT}")
    return total


@dataclass(frozen=True)
class Doubling:
    number: int
    doubled: int

    @property
    def accepted(self) -> bool:
        return self.doubled < DOUBLED_LIMIT

    @property
    def refusal(self) -> str:
        return f"{self.number} doubled is {self.doubled}, which is {DOUBLED_LIMIT} or more"

    def as_result(self) -> dict:
        return {"number": self.number, "doubled": self.doubled}


def double(number: int) -> Doubling:
    return Doubling(number=number, doubled=number * 2)
