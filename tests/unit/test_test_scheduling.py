"""How `make test` shares the tests among its workers (tests/conftest.py): the longest units
are handed out first, in the order of LONGEST_UNITS, the others after them as collected."""

from __future__ import annotations

from argparse import Namespace
from types import SimpleNamespace

import conftest

A_SHORT_FILE = "tests/unit/test_short.py"
# Many tests, short: xdist's own order (by how many tests a unit holds) would hand it out first.
MANY_SHORT_TESTS = [f"{A_SHORT_FILE}::test_{n}" for n in range(30)]
ONE_LONG_TEST = "tests/e2e/comms/test_comms_e2e.py::test_long"
A_LONG_FILE = "tests/local_cloud/test_clock.py::test_long"
THE_OTHER_CLOCK_TESTS = "tests/local_cloud/test_clock_scheduler.py::test_other"


class Worker:
    """A worker as the scheduler sees it: it records the tests it is sent, by their index."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes: list[int]) -> None:
        self.sent.extend(indexes)

    def shutdown(self) -> None:
        self.shutting_down = True


def test_the_longest_units_are_collected_first_and_the_rest_keep_their_order():
    collected = [
        A_SHORT_FILE + "::test_a",
        A_LONG_FILE,
        ONE_LONG_TEST,
        THE_OTHER_CLOCK_TESTS,
        A_SHORT_FILE + "::test_b",
    ]
    items = [SimpleNamespace(nodeid=nodeid) for nodeid in collected]
    conftest.pytest_collection_modifyitems(items)
    assert [item.nodeid for item in items] == [
        ONE_LONG_TEST,  # its workflow's folder is LONGEST_UNITS' first
        A_LONG_FILE,  # the clock tests, one unit
        THE_OTHER_CLOCK_TESTS,
        A_SHORT_FILE + "::test_a",
        A_SHORT_FILE + "::test_b",
    ]


def test_the_clock_tests_stay_on_one_worker():
    assert conftest.scheduling_unit(A_LONG_FILE) == conftest.scheduling_unit(THE_OTHER_CLOCK_TESTS)


def test_each_worker_starts_with_a_long_unit_whatever_the_number_of_tests_in_the_others():
    # GIVEN two workers, and a collection with the long units first
    options = Namespace(tx=["2*popen"], loadscopereorder=True, maxschedchunk=None)
    config = SimpleNamespace(option=options, getvalue=lambda name: getattr(options, name))
    scheduler = conftest.pytest_xdist_make_scheduler(config, None)
    collection = [ONE_LONG_TEST, A_LONG_FILE, *MANY_SHORT_TESTS]
    workers = [Worker("gw0"), Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
        scheduler.add_node_collection(worker, collection)
    # WHEN the scheduler hands out the work
    scheduler.schedule()
    # THEN each worker's first test is one of a long unit, one unit each
    first = {collection[worker.sent[0]] for worker in workers}
    assert first == {ONE_LONG_TEST, A_LONG_FILE}
