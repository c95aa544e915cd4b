"""Which proxies' X-Forwarded-* headers are believed: those at configured addresses.

Counting hops (werkzeug's ProxyFix) believes the last N entries of X-Forwarded-For
whoever sent them, so a client that reaches a service directly (the split-port
recipe publishes each one) names its own address: a fresh one for every attempt past
the per-address limits, or 127.0.0.1 for ``/metrics``. Here the headers are believed
only when the connection itself comes from a trusted proxy network
(``VIDSTREAM_TRUSTED_PROXY_NETWORKS``), and the client is the nearest address in
X-Forwarded-For that is not itself a trusted proxy.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from vidstream.config import Network

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The connection's own peer address, kept before a trusted proxy's headers replace it.
PEER_KEY = "vidstream.peer_addr"
LOOPBACK = ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


@functools.lru_cache(maxsize=1024)
def _peer_is_trusted(peer: str, networks: tuple[Network, ...]) -> bool:
    """:func:`_within` for the connecting peer, remembered: every request asks it."""
    return _within(peer, networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, else the nearest
    X-Forwarded-For entry that is not one (the farthest entry if all of them are)."""
    if not _within(peer, networks):
        return peer
    chain = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    for entry in reversed(chain):
        if not _within(entry, networks):
            return entry if _address(entry) is not None else peer
    return chain[0] if chain and _address(chain[0]) is not None else peer


class TrustedProxies:
    """WSGI middleware applying X-Forwarded-For/-Proto/-Host/-Port from trusted peers."""

    def __init__(self, app: WSGIApplication, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        # Proto, host and port as the trusted proxy nearest to us set them.
        self.proxied = ProxyFix(app, x_for=0, x_proto=1, x_host=1, x_port=1)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        """Pass the request on as the client's nearest trusted proxy saw it."""
        peer = environ.get("REMOTE_ADDR", "")
        environ[PEER_KEY] = peer
        if not _peer_is_trusted(peer, self.networks):
            return self.app(environ, start_response)
        forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
        environ["REMOTE_ADDR"] = forwarded_client(peer, forwarded_for, self.networks)
        return self.proxied(environ, start_response)


def from_this_host() -> bool:
    """Whether the request was made on this host itself, not passed on by any proxy.

    A gateway on this host connects from loopback too, so a request that carries
    forwarding headers is never counted as local, whatever address they name.
    """
    peer = _address(str(request.environ.get(PEER_KEY, request.remote_addr or "")))
    if peer is None or not any(peer in network for network in LOOPBACK):
        return False
    return not any(_forwarding(name) for name, _value in request.headers)


def _forwarding(header: str) -> bool:
    name = header.lower()
    return name == "forwarded" or name.startswith("x-forwarded-")
