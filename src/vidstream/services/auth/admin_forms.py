"""The admin console's forms (Flask-WTF, so each carries a CSRF token).

Sizes are typed in MiB, which people read; the console converts them to the bytes
that :mod:`.admin` and the API take. An empty quota or limit means the site's default.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from vidstream.models import Role
from vidstream.services.auth.admin import MAX_DAILY, MAX_QUOTA
from vidstream.services.auth.invitations import MAX_DAYS
from vidstream.web.site import SIGNUP_MODES

MIB = 1024 * 1024
MAX_MIB = MAX_QUOTA // MIB
ROLES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]
WHOLE = "Enter a whole number."


def _mib(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(0, MAX_MIB, message=f"A whole number of MiB from 0 to {MAX_MIB}."),
        ],
    )


def _daily(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(0, MAX_DAILY, message=f"A whole number from 0 to {MAX_DAILY}."),
        ],
    )


def mib_to_bytes(value: int | None) -> int | None:
    """A quota typed in MiB as bytes (None stays None: the default)."""
    return None if value is None else value * MIB


class UserChangeForm(FlaskForm):
    """An account's role, quota and daily upload limit."""

    role = SelectField("Role", choices=ROLES, validators=[InputRequired()])
    quota_mib = _mib("Quota (MiB; empty: the site's default, 0: no limit)")
    daily_limit = _daily("Uploads per day (empty: the site's default, 0: no limit)")


class UserStateForm(FlaskForm):
    """Disable or enable an account."""

    disabled = SelectField(
        "State", choices=[SelectChoice("true", "Disabled"), SelectChoice("false", "Enabled")]
    )


class DeleteUserForm(FlaskForm):
    """Deleting needs the account's name typed again."""

    confirm = StringField(
        "Type the username to confirm",
        validators=[
            InputRequired(message="Type the account's username to delete it."),
            Length(max=64),
        ],
    )


class SiteSettingsForm(FlaskForm):
    """Sign-up mode, default quota and default daily upload limit."""

    signup = SelectField("Sign-up", choices=[SelectChoice(m, m.capitalize()) for m in SIGNUP_MODES])
    default_quota_mib = _mib("Default quota (MiB; 0: no limit)")
    default_daily_uploads = _daily("Default uploads per day (0: no limit)")
    require_two_factor = BooleanField("Require two-factor sign-in for every account")


class InvitationForm(FlaskForm):
    """A new invitation link: the role it gives, how long it lasts, a note."""

    role = SelectField("Role", choices=ROLES, default=Role.MEMBER.value)
    days = IntegerField(
        "Valid for (days)",
        default=7,
        validators=[
            InputRequired(message=WHOLE),
            NumberRange(1, MAX_DAYS, message=f"An invitation lasts 1 to {MAX_DAYS} days."),
        ],
    )
    note = StringField(
        "Note (who it is for)",
        validators=[Length(max=100, message="Notes are at most 100 characters.")],
    )


class EmptyForm(FlaskForm):
    """A button that is a POST with a CSRF token and nothing else (retry, revoke)."""
