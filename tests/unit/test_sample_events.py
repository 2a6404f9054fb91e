"""Every sample event in events/ is run through its function's handler by a unit test, so a
sample cannot drift from what its handler accepts (`make invoke` and `sam local invoke` send
them)."""

from pathlib import Path

import pytest

from support.events import sample_event_names

UNIT_TESTS = Path(__file__).resolve().parent


def _unit_test_sources() -> str:
    return "\n".join(
        path.read_text()
        for path in UNIT_TESTS.rglob("test_*.py")
        if path != Path(__file__).resolve()  # the workflows' own test_sample_events.py count
    )


@pytest.mark.parametrize("name", sample_event_names())
def test_a_unit_test_runs_the_sample_event(name):
    # A test loads it with sample_event("<name>") and hands it to the handler.
    assert f'sample_event("{name}")' in _unit_test_sources(), (
        f"events/{name}.json is not run by any unit test: add one that passes "
        f'sample_event("{name}") to its function\'s handler'
    )
