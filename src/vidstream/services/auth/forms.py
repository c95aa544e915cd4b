"""Sign-up and sign-in forms (Flask-WTF, so each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

USERNAME_RULE = (
    "Usernames are 3 to 32 characters: letters, digits, dots, dashes and underscores, "
    "starting with a letter or digit."
)


class SignInForm(FlaskForm):
    """Existing users sign in here; an unknown name never creates an account."""

    username = StringField("Username", validators=[InputRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


class SignUpForm(FlaskForm):
    """Creating an account is its own, explicit action."""

    username = StringField(
        "Username",
        validators=[
            InputRequired(),
            Length(min=3, max=32, message=USERNAME_RULE),
            # \Z, not $: "$" also matches before a final newline, which would let one in.
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", message=USERNAME_RULE),
        ],
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired(),
            Length(min=8, max=1024, message="Passwords are 8 to 1024 characters long."),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class PasswordForm(FlaskForm):
    """Changing the password needs the current one; every other session then ends."""

    current = PasswordField("Current password", validators=[InputRequired(), Length(max=1024)])
    password = PasswordField(
        "New password",
        validators=[
            InputRequired(),
            Length(min=8, max=1024, message="Passwords are 8 to 1024 characters long."),
        ],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class SignOutEverywhereForm(FlaskForm):
    """Ending every session is a POST with a CSRF token and nothing else."""


class TokenForm(FlaskForm):
    """Name a new personal access token (for a script or an upload client)."""

    name = StringField(
        "Token name",
        validators=[InputRequired(), Length(max=100, message="Names are at most 100 characters.")],
    )
    # Asked for (and checked) only when the account has an authenticator app.
    code = StringField("Code from your authenticator app", validators=[Length(max=64)])


class RevokeTokenForm(FlaskForm):
    """Revoking a token is a POST with a CSRF token and nothing else."""


def _code(label: str) -> StringField:
    return StringField(label, validators=[InputRequired(message="Type the code."), Length(max=64)])


class CodeForm(FlaskForm):
    """A code from the authenticator app (confirming setup, new recovery codes)."""

    code = _code("Code from your authenticator app")


class SecondStepForm(FlaskForm):
    """The second step of a sign-in: an authenticator code or a recovery code."""

    code = _code("Authenticator code or recovery code")


class TotpOffForm(FlaskForm):
    """Turning the authenticator app off needs the password and a code."""

    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    code = _code("Authenticator code or recovery code")


class EmptyAccountForm(FlaskForm):
    """A button that is a POST with a CSRF token and nothing else."""


class DeleteAccountForm(FlaskForm):
    """Deleting one's own account asks for the password again."""

    password = PasswordField("Your password", validators=[InputRequired(), Length(max=1024)])


class EndSessionForm(FlaskForm):
    """Signing out one other session is a POST with a CSRF token and nothing else."""
