"""The pipes to a handler process are closed once, never under a reader: an environment stopped
on one thread while another still waits for its answer must not close (or read) a pipe that
another environment has since been given the same descriptor number for."""

from __future__ import annotations

import os
import threading
import time

import pytest

from localcloud.lambda_host.pipes import HandlerPipes


def is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


@pytest.fixture
def handler_side():
    """Pipes as HandlerProcess makes them: the test keeps the process's ends."""
    request_read, request_write = os.pipe()
    response_read, response_write = os.pipe()
    pipes = HandlerPipes(request_write, response_read)
    yield pipes, request_read, response_write
    pipes.close()
    for fd in (request_read, response_write):
        if is_open(fd):
            os.close(fd)


def test_closing_twice_leaves_a_reused_descriptor_alone(handler_side):
    # GIVEN the pipes were closed once, and their numbers went to another environment's pipe
    pipes, _, _ = handler_side
    pipes.close()
    others = os.pipe()
    try:
        # WHEN they are closed again (stop() on one thread, invoke()'s no-answer path on another)
        pipes.close()

        # THEN the other environment's pipe is still open
        assert all(is_open(fd) for fd in others)
    finally:
        for fd in others:
            os.close(fd)


def test_a_close_during_a_receive_waits_for_the_reader(handler_side):
    # GIVEN a receive waiting for the process's answer
    pipes, _, response_write = handler_side
    answers = []
    reader = threading.Thread(target=lambda: answers.append(pipes.receive(time.monotonic() + 30)))
    reader.start()
    deadline = time.monotonic() + 10
    while pipes._users == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # until the reader is inside receive
    assert pipes._users == 1

    # WHEN the environment is stopped on this thread
    pipes.close()

    # THEN the reader's descriptor stays open until the process is gone (its end closed by the
    # kill), and the reader then returns no answer and closes it
    assert is_open(pipes._response_read)
    os.close(response_write)
    reader.join(10)
    assert not reader.is_alive()
    assert answers == [None]
    assert not is_open(pipes._response_read)


def test_messages_pass_both_ways(handler_side):
    pipes, request_read, response_write = handler_side
    pipes.send({"request_id": "r1"})
    assert os.read(request_read, 100) == b'{"request_id": "r1"}\n'
    os.write(response_write, b'{"type": "response"}\n')
    assert pipes.receive(time.monotonic() + 5) == {"type": "response"}


def test_after_close_nothing_is_sent_or_received(handler_side):
    pipes, _, _ = handler_side
    pipes.close()
    pipes.send({"request_id": "late"})  # no write to a closed (or reused) descriptor
    assert pipes.receive(time.monotonic() + 1) is None
