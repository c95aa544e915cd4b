"""Media the gateway sends itself carries the app's CSP and nosniff, like the app's own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vidstream.web.headers import content_security_policy

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = [ROOT / "docker" / "nginx.conf", ROOT / "deploy" / "kubernetes" / "gateway.conf.template"]


def location_block(text: str, prefix: str) -> str:
    """The body of ``location <prefix> { ... }`` (no nested blocks but ``types``)."""
    start = text.index(f"location {prefix} {{")
    depth = 0
    for end in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start:end]
    raise AssertionError(f"location {prefix} is not closed")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
@pytest.mark.parametrize("location", ["/_signed/", "/_protected/"])
def test_gateway_media_has_the_app_s_policy_and_nosniff(config: Path, location: str) -> None:
    block = location_block(config.read_text(), location)
    assert re.search(r"add_header X-Content-Type-Options nosniff always;", block)
    found = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', block)
    assert found is not None
    assert found[1] == content_security_policy([])
