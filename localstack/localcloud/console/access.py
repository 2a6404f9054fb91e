"""Who may read the console: a client on this machine that asked for this machine by name.

The console shows execution inputs and logs. Listening on loopback keeps other machines out;
the Host check keeps out a web page that a browser on this machine loads from elsewhere and
whose name the page's DNS then points at 127.0.0.1 (DNS rebinding): that browser sends the
page's own host name. A request whose client address is unknown is refused, not assumed local.
"""

from __future__ import annotations

import ipaddress

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_local_request(client_address: str | None, host_header: str | None) -> bool:
    return _is_loopback_address(client_address) and _names_this_machine(host_header)


def _is_loopback_address(address: str | None) -> bool:
    if not address:
        return False
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _names_this_machine(host_header: str | None) -> bool:
    host = (host_header or "").strip().lower()
    if host.startswith("["):  # [::1]:4566
        host = host[1 : host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:  # 127.0.0.1:4566, localhost:4566
        host = host.partition(":")[0]
    return host in LOOPBACK_NAMES or _is_loopback_address(host)
