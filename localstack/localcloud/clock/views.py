"""What a LocalStack module that follows the clock sees in place of `time`, `datetime` and
`threading`: the same modules, but the current time is the clock's and timed waits (sleep, an
Event's or a Thread's wait with a timeout) count the clock's seconds.

`follow_the_clock(module)` rebinds the module's own names for them (`import time`, `from
datetime import datetime`, `from threading import Event`, ...), so the service's code is left as
it is and every timer and timestamp in it moves together: one rule rather than a patch per
`Wait`, `Retry`, `TimeoutSeconds` and history date. Monotonic clocks (`time.monotonic`,
`perf_counter`) stay the host's: they measure durations, not dates.
"""

from __future__ import annotations

import datetime as _datetime
import threading as _threading
import time as _time
import types

from localcloud.clock.clock import CLOCK


class _ModuleView(types.ModuleType):
    """A module's attributes, some replaced."""

    def __init__(self, real: types.ModuleType, **replaced) -> None:
        super().__init__(real.__name__, real.__doc__)
        self._real = real
        self.__dict__.update(replaced)

    def __getattr__(self, name: str):
        return getattr(self._real, name)


class _IsAnyDatetime(type):
    # Values made with the real class (a date parsed by boto, a stored timestamp) still count.
    def __instancecheck__(cls, value) -> bool:
        return isinstance(value, _datetime.datetime)

    def __subclasscheck__(cls, subclass) -> bool:
        return issubclass(subclass, _datetime.datetime)


class ClockDatetime(_datetime.datetime, metaclass=_IsAnyDatetime):
    """datetime.datetime whose now() is the clock's; its values are plain datetimes."""

    @classmethod
    def now(cls, tz=None) -> _datetime.datetime:
        return CLOCK.now(tz)

    @classmethod
    def utcnow(cls) -> _datetime.datetime:
        return CLOCK.now(_datetime.UTC).replace(tzinfo=None)

    @classmethod
    def today(cls) -> _datetime.datetime:
        return CLOCK.now(None)


class ClockEvent(_threading.Event):
    def wait(self, timeout: float | None = None) -> bool:
        return CLOCK.wait(timeout, super().wait)


class ClockThread(_threading.Thread):
    def join(self, timeout: float | None = None) -> None:
        CLOCK.wait(
            timeout, lambda seconds: super(ClockThread, self).join(seconds) or not self.is_alive()
        )


def _clock_time_ns() -> int:
    return int(CLOCK.time() * 1e9)


time = _ModuleView(_time, time=CLOCK.time, time_ns=_clock_time_ns, sleep=CLOCK.sleep)
datetime = _ModuleView(_datetime, datetime=ClockDatetime)
threading = _ModuleView(_threading, Event=ClockEvent, Thread=ClockThread)

# What a module may have bound at import, by identity, and what it sees instead.
_INSTEAD = {
    id(_time): time,
    id(_time.time): CLOCK.time,
    id(_time.time_ns): _clock_time_ns,
    id(_time.sleep): CLOCK.sleep,
    id(_datetime): datetime,
    id(_datetime.datetime): ClockDatetime,
    id(_threading): threading,
    id(_threading.Event): ClockEvent,
    id(_threading.Thread): ClockThread,
}


def follow_the_clock(module: types.ModuleType) -> None:
    """Rebind the module's names for time, datetime and threading (or parts of them), and for
    the helpers `seeing_the_clock` copied, to the clock's views."""
    _rebind(vars(module))


def seeing_the_clock(module: types.ModuleType) -> None:
    """From now on, a module following the clock that imported one of this module's functions
    (LocalStack's `localstack.utils.time.now`, ...) gets a copy of it that sees the clock."""
    namespace = dict(vars(module))
    _rebind(namespace)
    for name, value in vars(module).items():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            copy = types.FunctionType(
                value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__
            )
            copy.__kwdefaults__ = value.__kwdefaults__
            namespace[name] = _INSTEAD[id(value)] = copy


def _rebind(namespace: dict) -> None:
    for name, value in list(namespace.items()):
        if (view := _INSTEAD.get(id(value))) is not None:
            namespace[name] = view
