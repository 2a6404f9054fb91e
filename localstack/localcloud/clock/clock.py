"""One clock per local cloud instance: the host's time plus an offset that only grows.

Pure Python (no LocalStack imports), so its rules are unit-tested on their own. What follows the
clock waits with `wait` or `sleep`: a wait for N seconds of the clock ends when the host's time
has run N seconds or when an advance has moved the clock past its end, whichever comes first.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections.abc import Callable

# How often a wait looks whether the clock was moved: an advance ends such waits within this.
LOOK_EVERY_SECONDS = 0.2

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:(?P<years>{_NUMBER})Y)?(?:(?P<months>{_NUMBER})M)?(?:(?P<weeks>{_NUMBER})W)?"
    rf"(?:(?P<days>{_NUMBER})D)?(?:T(?=\d)(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?"
    rf"(?:(?P<seconds>{_NUMBER})S)?)?"
)
_SECONDS_PER = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


class BadDuration(ValueError):
    """A duration the clock cannot move by; the message says why."""


def duration_seconds(text: str) -> float:
    """Seconds in an ISO 8601 duration of weeks, days, hours, minutes and seconds ("PT24H1M")."""
    if not isinstance(text, str) or not text.strip():
        raise BadDuration("advance must be an ISO 8601 duration such as PT24H")
    text = text.strip().upper()
    if text.startswith("-"):
        raise BadDuration(f"{text} is negative: the clock only moves forward")
    found = _DURATION.fullmatch(text)
    if not found or text == "P":
        raise BadDuration(f"{text} is not an ISO 8601 duration such as PT24H, P1DT2H or PT90S")
    parts = {
        unit: float(value.replace(",", ".")) for unit, value in found.groupdict().items() if value
    }
    if "years" in parts or "months" in parts:
        raise BadDuration(f"{text}: years and months have no fixed length; give days (P30D)")
    return sum(value * _SECONDS_PER[unit] for unit, value in parts.items())


class Clock:
    """The host's time plus an offset, moved forward by `advance`, never back."""

    def __init__(self, host_time: Callable[[], float] = time.time) -> None:
        self._host_time = host_time
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def time(self) -> float:
        """Seconds since the epoch, on this clock (time.time's counterpart)."""
        return self._host_time() + self._offset

    def now(self, tz: datetime.tzinfo | None = datetime.UTC) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self.time(), tz)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise BadDuration(f"{seconds} s is negative: the clock only moves forward")
        with self._lock:
            self._offset += seconds

    def wait(self, seconds: float | None, attempt: Callable[[float | None], bool]) -> bool:
        """Wait for what `attempt(timeout)` waits for (an Event's wait, a thread's join), for
        `seconds` of this clock at most (None: as long as it takes). True if it came."""
        if seconds is None:
            return attempt(None)
        deadline = self.time() + seconds
        while True:
            remaining = deadline - self.time()
            if attempt(min(max(remaining, 0.0), LOOK_EVERY_SECONDS)):
                return True
            if deadline - self.time() <= 0:
                return False

    def sleep(self, seconds: float) -> None:
        never = threading.Event()
        self.wait(seconds, never.wait)


CLOCK = Clock()
