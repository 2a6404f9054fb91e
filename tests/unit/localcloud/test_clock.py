"""The instance's clock: durations it accepts and refuses, an offset that only grows, and waits
that end when an advance passes their end (localcloud/clock/)."""

from __future__ import annotations

import datetime
import threading
import time
import types

import pytest

from localcloud.clock import views
from localcloud.clock.clock import CLOCK, BadDuration, Clock, duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT24H", 86400), ("PT24H1M", 86460), ("P1DT2H", 93600), ("PT90S", 90), ("PT0.5S", 0.5),
     ("P1W", 604800), ("pt2h1m", 7260)],
)  # fmt: skip
def test_an_iso_8601_duration_is_its_seconds(text, seconds):
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize(
    ("text", "why"),
    [("-PT1H", "negative"), ("P1Y", "years and months"), ("P2M", "years and months"),
     ("24h", "not an ISO 8601 duration"), ("PT", "not an ISO 8601 duration"),
     ("P1DT", "not an ISO 8601 duration"), ("", "ISO 8601 duration"), (3600, "ISO 8601")],
)  # fmt: skip
def test_a_bad_or_negative_duration_says_why(text, why):
    with pytest.raises(BadDuration, match=why):
        duration_seconds(text)


def test_the_clock_is_host_time_plus_an_offset_that_only_grows():
    clock = Clock(host_time=lambda: 1_000.0)
    clock.advance(86_400)
    clock.advance(60)
    assert clock.time() == 1_000.0 + 86_460
    assert clock.offset_seconds == 86_460
    with pytest.raises(BadDuration, match="only moves forward"):
        clock.advance(-1)
    assert clock.offset_seconds == 86_460


def test_a_wait_ends_when_an_advance_passes_its_end():
    # GIVEN a thread waiting a day of the clock's time on an event nobody sets
    clock = Clock()
    ended = threading.Event()
    never = threading.Event()
    threading.Thread(target=lambda: (clock.wait(86_400, never.wait), ended.set())).start()
    assert not ended.wait(0.5)
    # WHEN the clock moves a day and a minute ahead
    clock.advance(86_460)
    # THEN the wait ends (within the clock's look interval), without the event
    assert ended.wait(10)


def test_a_wait_ends_at_once_when_what_it_waits_for_comes():
    clock = Clock()
    came = threading.Event()
    threading.Timer(0.1, came.set).start()
    assert clock.wait(86_400, came.wait) is True


def test_a_module_following_the_clock_sees_its_time_and_waits():
    # GIVEN a module that bound time, datetime and threading names as LocalStack's modules do
    module = types.ModuleType("service")
    module.time, module.datetime, module.sleep = time, datetime, time.sleep
    module.Event, module.Thread, module.now_class = (
        threading.Event,
        threading.Thread,
        datetime.datetime,
    )
    views.follow_the_clock(module)
    offset = CLOCK.offset_seconds
    # WHEN this process's clock moves two hours ahead
    CLOCK.advance(7_200)
    # THEN the module's current time is two hours ahead of the host's
    ahead = offset + 7_200
    host_now = datetime.datetime.now(datetime.UTC)
    seen = module.datetime.datetime.now(datetime.UTC)
    assert ahead - 10 < (seen - host_now).total_seconds() < ahead + 10
    assert ahead - 10 < module.time.time() - time.time() < ahead + 10
    # AND a datetime made anywhere still counts as one, and what it makes is a plain datetime
    assert isinstance(host_now, module.now_class)
    assert type(seen) is datetime.datetime
    # AND its events', threads' and sleeps' timed waits count the clock's seconds
    event, never = module.Event(), threading.Event()
    blocker = module.Thread(target=never.wait, daemon=True)
    blocker.start()
    waiters = [
        module.Thread(target=lambda: event.wait(3_600)),
        module.Thread(target=lambda: module.sleep(3_600)),
        module.Thread(target=lambda: blocker.join(3_600)),
    ]
    for waiter in waiters:
        waiter.start()
    CLOCK.advance(3_601)
    for waiter in waiters:
        waiter.join(10)
        assert not waiter.is_alive()
    assert blocker.is_alive()
    never.set()
