"""A real HTTP server on localhost, in a thread, for unit tests of code that calls out over HTTP
(a third party's API, a token endpoint): the code under test makes real requests to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

# How often the serving thread looks for a stop: shutdown() waits for that look, and at the
# standard library's 0.5 s every test using a server ended with that wait.
STOP_LOOK_SECONDS = 0.01


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """The server's base URL (http://127.0.0.1:<port>) while it answers with handler."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": STOP_LOOK_SECONDS}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
