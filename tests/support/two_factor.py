"""Second factors as tests use them: turning an authenticator app on, codes by the clock."""

from __future__ import annotations

import re

import pyotp

from tests.support.accounts import AuthActions

SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY = re.compile(r"<code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code>")


def code_at(secret: str, moment: float) -> str:
    """The code an authenticator app with ``secret`` shows at ``moment``."""
    return pyotp.TOTP(secret).at(moment)


def turn_on_totp(auth: AuthActions, moment: float) -> tuple[str, list[str]]:
    """Set up an authenticator app as a person does; its secret and the recovery codes."""
    started = auth.client.post("/account/two-factor/totp", data={"csrf_token": auth.csrf()})
    assert started.status_code == 303
    page = auth.client.get("/account/two-factor").get_data(as_text=True)
    found = SECRET.search(page)
    assert found is not None, page
    secret = found.group(1)
    confirmed = auth.client.post(
        "/account/two-factor/totp/confirm",
        data={"code": code_at(secret, moment), "csrf_token": auth.csrf()},
    )
    assert confirmed.status_code == 200
    codes = RECOVERY.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes
