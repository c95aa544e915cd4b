"""The sessions list's device names, read from real User-Agent strings."""

from __future__ import annotations

import pytest

from vidstream.web.devices import describe_device

AGENTS = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0": "Firefox on Linux",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0": "Edge on Windows",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15": "Safari on macOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1": "Chrome on iOS",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Mobile Safari/537.36": "Chrome on Android",
    "curl/8.5.0": "curl",
    "": "Unknown device",
    "<script>alert(1)</script>": "Unknown device",
}


@pytest.mark.parametrize(("agent", "device"), AGENTS.items())
def test_a_user_agent_becomes_a_short_device_name(agent: str, device: str) -> None:
    assert describe_device(agent) == device
