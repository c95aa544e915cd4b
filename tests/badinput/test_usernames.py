"""Hostile usernames at sign-up (and sign-in): a clear form error, or an account whose
name is exactly the lower-cased input, follows the rules and is escaped wherever shown."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from hypothesis import event, given
from hypothesis import strategies as st
from markupsafe import escape

from tests.support.accounts import AuthActions
from tests.support.corpus import corpus_settings, labelled
from tests.support.leftovers import changes, nothing_left_behind, snapshot
from vidstream.services.auth.forms import USERNAME_RULE

VALID_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,31}")
REQUIRED = "This field is required."

# name -> the message its refusal must show
REFUSED: dict[str, tuple[str, str]] = {
    "sql_or": ("' OR 1=1 --", USERNAME_RULE),
    "sql_comment": ("admin'--", USERNAME_RULE),
    "sql_drop": ("x'); DROP TABLE users; --", USERNAME_RULE),
    "sql_union": ("a UNION SELECT password_hash FROM users", USERNAME_RULE),
    "script": ("<script>alert(1)</script>", USERNAME_RULE),
    "attribute_breakout": ('" autofocus onfocus="alert(1)', USERNAME_RULE),
    "nul": ("ali\x00ce", USERNAME_RULE),
    "ten_thousand_chars": ("a" * 10_000, USERNAME_RULE),
    "cyrillic_a": ("\u0430lice", USERNAME_RULE),
    "fullwidth": ("\uff41\uff4c\uff49\uff43\uff45", USERNAME_RULE),
    "kelvin_sign": ("\u212aelvin", USERNAME_RULE),
    "dotless_i": ("al\u0131ce", USERNAME_RULE),
    "rtl_override": ("alice\u202e", USERNAME_RULE),
    "zero_width_space": ("ali\u200bce", USERNAME_RULE),
    "trailing_newline": ("alice\n", USERNAME_RULE),
    "two_chars_and_newline": ("ab\n", USERNAME_RULE),
    "blank": ("   ", USERNAME_RULE),
    "empty": ("", REQUIRED),
}


def sign_up(app: Flask, username: str) -> tuple[AuthActions, Any]:
    """A fresh browser that tries to sign up as ``username``."""
    browser = AuthActions(app.test_client())
    return browser, browser.signup(username, "correct horse battery")


def signed_in_as(browser: AuthActions) -> str | None:
    """The name the browser's session is signed in as, or None."""
    user = browser.client.get("/api/session").get_json()["user"]
    return None if user is None else str(user["username"])


def check_echo_is_escaped(html: str, name: str) -> None:
    """The page shows the input only escaped: never a tag or attribute it could open."""
    if "<" in name or '"' in name:
        assert name not in html
    assert str(escape(name)) in html


def test_refused_names_get_a_clear_error_and_change_nothing(app: Flask) -> None:
    for case, (name, message) in REFUSED.items():
        with labelled(case), nothing_left_behind(app):
            browser, response = sign_up(app, name)
            assert response.status_code == 422
            html = response.get_data(as_text=True)
            assert str(escape(message)) in html
            check_echo_is_escaped(html, name)
            assert signed_in_as(browser) is None


def test_markup_in_a_name_is_echoed_escaped_at_sign_in(app: Flask) -> None:
    markup = {case: name for case, (name, _) in REFUSED.items() if "<" in name or '"' in name}
    assert markup
    for case, name in markup.items():
        with labelled(case), nothing_left_behind(app):
            browser = AuthActions(app.test_client())
            response = browser.signin(name, "correct horse battery")
            assert response.status_code in (401, 422)
            check_echo_is_escaped(response.get_data(as_text=True), name)
            assert signed_in_as(browser) is None


def test_a_name_differing_only_in_case_is_taken(app: Flask) -> None:
    assert sign_up(app, "alice")[1].status_code == 302
    with nothing_left_behind(app):
        browser, response = sign_up(app, "ALICE")
    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)
    assert signed_in_as(browser) is None


def test_an_accepted_name_is_stored_lower_case_and_shown_escaped(app: Flask) -> None:
    browser, response = sign_up(app, "Mixed.Case_name-9")
    assert response.status_code == 302
    assert signed_in_as(browser) == "mixed.case_name-9"
    for page in ("/stream", "/account", "/tokens"):
        assert "Sign out (mixed.case_name-9)" in browser.client.get(page).get_data(as_text=True)


usernames = st.text(max_size=40) | st.lists(
    st.sampled_from(["a", "Z", "9", ".", "-", "_", "'", "<", '"', " ", "\n", "\x00", "\u0430"]),
    max_size=36,
).map("".join)


@corpus_settings(max_examples=40)
@given(name=usernames)
def test_any_name_is_refused_or_stored_exactly(app: Flask, name: str) -> None:
    before = snapshot(app)
    browser, response = sign_up(app, name)
    assert response.status_code in (302, 409, 422), response.status_code
    event(f"status {response.status_code}")
    difference = changes(before, snapshot(app))
    if response.status_code == 302:
        assert VALID_NAME.fullmatch(name.lower())
        assert signed_in_as(browser) == name.lower()
        assert [user[0] for user in difference["users"]["added"]] == [name.lower()]
        return
    html = response.get_data(as_text=True)
    assert USERNAME_RULE in html or REQUIRED in html or "already taken" in html
    check_echo_is_escaped(html, name)
    assert not difference
    assert signed_in_as(browser) is None


def test_no_refused_or_lookalike_name_signs_in_as_an_account(app: Flask) -> None:
    sign_up(app, "alice")
    lookalikes = {"accent": "\u00e1lice", "upper_accent": "AL\u00cdCE", "combining": "a\u0301lice"}
    cases = {name: value for name, (value, _message) in REFUSED.items()} | lookalikes
    for case, name in cases.items():
        with labelled(case):
            browser = AuthActions(app.test_client())
            response = browser.signin(name, "correct horse battery")
            if name.strip().lower() == "alice":
                assert signed_in_as(browser) == "alice"  # trailing_newline: stripped
                continue
            assert response.status_code in (401, 422), response.status_code
            assert signed_in_as(browser) is None
