"""Hostile X-Forwarded-* headers: from a client they change nothing; through the gateway
they never make a request local (``/metrics``) and never break a page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.support.corpus import corpus_settings, header_text, labelled
from vidstream.config import parse_networks
from vidstream.web.proxies import forwarded_client

GATEWAY = "172.28.71.80"
CLIENT = "203.0.113.9"
NETWORKS = parse_networks(f"{GATEWAY}/32,10.0.0.0/8")
PIECES = ["127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1", GATEWAY, "10.0.0.1", ",", " ", "unknown"]

HOSTILE: dict[str, dict[str, str]] = {
    "loopback": {"X-Forwarded-For": "127.0.0.1"},
    "loopback_v6": {"X-Forwarded-For": "::1"},
    "loopback_mapped": {"X-Forwarded-For": "::ffff:127.0.0.1"},
    "loopback_behind_trusted": {"X-Forwarded-For": f"127.0.0.1, {GATEWAY}"},
    "many_entries": {"X-Forwarded-For": ", ".join(["127.0.0.1"] * 1000)},
    "garbage": {"X-Forwarded-For": "\x00; drop table"},
    "forwarded_rfc7239": {"Forwarded": "for=127.0.0.1;proto=https"},
    "proto_javascript": {"X-Forwarded-Proto": "javascript"},
    "host_with_path": {"X-Forwarded-Host": "evil.example/x?y", "X-Forwarded-Port": "abc"},
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The gateway's address and a pod network are trusted, as in the deployments."""
    return {"trusted_proxy_networks": NETWORKS, "rate_limits": False}


@pytest.mark.parametrize("peer", [CLIENT, GATEWAY, "127.0.0.1"])
def test_hostile_forwarding_never_opens_metrics_or_breaks_a_page(app: Flask, peer: str) -> None:
    client = app.test_client()
    for case, headers in HOSTILE.items():
        with labelled(case):
            environ = {"REMOTE_ADDR": peer}
            assert client.get("/metrics", headers=headers, environ_base=environ).status_code == 404
            page = client.get("/signin", headers=headers, environ_base=environ)
            assert page.status_code < 500


@corpus_settings(200)
@given(forwarded_for=header_text(PIECES, max_size=12), peer=st.sampled_from([CLIENT, GATEWAY]))
def test_the_client_is_the_peer_or_an_entry_that_is_no_trusted_proxy(
    forwarded_for: str, peer: str
) -> None:
    client = forwarded_client(peer, forwarded_for, NETWORKS)
    if peer == CLIENT:
        assert client == CLIENT
    else:
        entries = [entry.strip() for entry in forwarded_for.split(",")]
        assert client == peer or client in entries
