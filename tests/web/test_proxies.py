"""Forwarding headers are believed only from the configured proxy networks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from vidstream.config import ConfigError, load_settings, parse_networks
from vidstream.web.proxies import forwarded_client

GATEWAY = "172.28.71.80"
CLIENT = "203.0.113.9"  # a client on a published service port, past no proxy


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """compose.yaml's default: the gateway's address alone; a tight sign-in limit."""
    return {
        "trusted_proxy_networks": parse_networks(f"{GATEWAY}/32"),
        "limit_signin_ip": "3/minute",
        "limit_signin_user": "100/minute",
    }


def from_(address: str) -> dict[str, Any]:
    """Test-client options for a connection from ``address``."""
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_client_that_names_its_own_address_is_still_limited_by_its_own(app: Flask) -> None:
    browser = AuthActions(app.test_client())
    statuses = []
    for n in range(5):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        statuses.append(
            browser.signin("nobody", "wrong", headers=forged, **from_(CLIENT)).status_code
        )
    assert statuses[-1] == 429, statuses


def test_the_gateway_passes_each_client_s_own_address(app: Flask) -> None:
    statuses = []
    for n in range(5):
        browser = AuthActions(app.test_client())
        forwarded = {"X-Forwarded-For": f"198.51.100.{n}"}
        statuses.append(
            browser.signin("nobody", "wrong", headers=forwarded, **from_(GATEWAY)).status_code
        )
    assert 429 not in statuses, statuses


@pytest.mark.parametrize(
    "peer, headers",
    [
        (CLIENT, {"X-Forwarded-For": "127.0.0.1"}),  # direct, naming loopback
        (GATEWAY, {"X-Forwarded-For": "127.0.0.1"}),  # through the gateway, the same
        ("127.0.0.1", {"X-Forwarded-For": CLIENT}),  # a gateway on this host
        ("127.0.0.1", {"Forwarded": "for=127.0.0.1"}),
    ],
)
def test_metrics_never_open_to_a_forwarded_address(
    app: Flask, peer: str, headers: dict[str, str]
) -> None:
    response = app.test_client().get("/metrics", headers=headers, **from_(peer))
    assert response.status_code == 404


def test_metrics_open_to_a_local_scraper(app: Flask) -> None:
    assert app.test_client().get("/metrics", **from_("127.0.0.1")).status_code == 200


@pytest.mark.parametrize(
    "peer, forwarded_for, client",
    [
        (CLIENT, "127.0.0.1", CLIENT),
        (GATEWAY, "", GATEWAY),
        (GATEWAY, f"127.0.0.1, {CLIENT}", CLIENT),
        (GATEWAY, f"{CLIENT}, 10.1.2.3", "10.1.2.3"),
        (GATEWAY, "not-an-address", GATEWAY),
        ("::ffff:172.28.71.80", CLIENT, CLIENT),
    ],
)
def test_the_client_is_the_nearest_untrusted_address(
    peer: str, forwarded_for: str, client: str
) -> None:
    assert forwarded_client(peer, forwarded_for, parse_networks(f"{GATEWAY}/32")) == client


def test_a_proxy_chain_is_walked_through_every_trusted_hop() -> None:
    networks = parse_networks("10.0.0.0/8")
    assert forwarded_client("10.0.0.5", f"6.6.6.6, {CLIENT}, 10.9.9.9", networks) == CLIENT


def test_the_hop_count_is_refused_with_its_replacement_named() -> None:
    with pytest.raises(ConfigError, match="VIDSTREAM_TRUSTED_PROXY_NETWORKS"):
        load_settings({"VIDSTREAM_TRUSTED_PROXIES": "1"}, secret_key="s" * 40)


def test_a_malformed_network_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="CIDRs"):
        load_settings({"VIDSTREAM_TRUSTED_PROXY_NETWORKS": "10.0.0.0/33"}, secret_key="s" * 40)
