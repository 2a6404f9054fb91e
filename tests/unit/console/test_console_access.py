"""The console answers only a client on this machine that asked for this machine by name."""

from __future__ import annotations

import pytest

from localcloud.console.access import is_local_request


@pytest.mark.parametrize(
    "host", ["127.0.0.1:4566", "localhost:4566", "LOCALHOST", "[::1]:4566", "127.0.0.2", "::1"]
)
def test_a_loopback_client_naming_this_machine_is_let_in(host):
    assert is_local_request("127.0.0.1", host)


@pytest.mark.parametrize(
    "host",
    ["rebind.example.com", "rebind.example.com:4566", "10.0.0.5:4566", "", None, "[::1"],
)
def test_a_page_served_from_another_name_is_refused(host):
    # A DNS-rebinding page reaches 127.0.0.1 but its browser sends the page's own host name.
    assert not is_local_request("127.0.0.1", host)


@pytest.mark.parametrize("client", [None, "", "192.168.1.20", "not an address"])
def test_a_client_not_known_to_be_on_this_machine_is_refused(client):
    assert not is_local_request(client, "127.0.0.1:4566")
