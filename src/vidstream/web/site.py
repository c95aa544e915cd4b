"""Site settings an administrator changes in the console, over the environment's defaults.

Four values live in the ``site_settings`` table: the sign-up mode, the default
storage quota, the default daily upload limit and whether every account must have a
second factor (off unless an administrator turns it on). A value an administrator saved
wins; without one, the environment's (``VIDSTREAM_SIGNUP``,
``VIDSTREAM_USER_QUOTA_BYTES``) applies. Without either, sign-up is open on an empty
installation (so its first account, which becomes the admin, can be made) and by
invitation once any account exists: private by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import SiteSetting, User
from vidstream.models.base import utcnow

SIGNUP_MODES = ("open", "invite", "closed")
SIGNUP = "signup"
DEFAULT_QUOTA = "default_quota_bytes"
DEFAULT_DAILY_UPLOADS = "default_daily_uploads"
REQUIRE_TWO_FACTOR = "require_two_factor"


def stored(name: str) -> str | None:
    """The value an administrator saved for ``name``, or None."""
    return db.session.scalar(select(SiteSetting.value).where(SiteSetting.name == name))


def store(name: str, value: str | None) -> None:
    """Save (or, with None, forget) a site setting; the caller commits."""
    row = db.session.get(SiteSetting, name)
    if value is None:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        db.session.add(SiteSetting(name=name, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()


def has_accounts() -> bool:
    """Whether any account exists yet."""
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def signup_mode() -> str:
    """``open``, ``invite`` or ``closed``: from the console, the environment, or the default."""
    saved = stored(SIGNUP)
    if saved in SIGNUP_MODES:
        return saved
    configured = current.settings().signup
    if configured:
        return configured
    return "invite" if has_accounts() else "open"


def _int_setting(name: str) -> int | None:
    raw = stored(name)
    return int(raw) if raw is not None and raw.isdigit() else None


def default_quota() -> int:
    """The quota of an account without its own, in bytes (0: none)."""
    saved = _int_setting(DEFAULT_QUOTA)
    return current.settings().user_quota_bytes if saved is None else saved


def default_daily_uploads() -> int:
    """Uploads per rolling day for an account without its own limit (0: no limit)."""
    return _int_setting(DEFAULT_DAILY_UPLOADS) or 0


def two_factor_required() -> bool:
    """Whether an administrator requires a second factor of every account."""
    return stored(REQUIRE_TWO_FACTOR) == "1"


@dataclass(frozen=True)
class SiteValues:
    """The site settings as the console shows them."""

    signup: str
    default_quota_bytes: int
    default_daily_uploads: int
    signup_from: str  # "console", "environment" or "default"
    require_two_factor: bool = False


def site_values() -> SiteValues:
    """Every site setting in force, and where the sign-up mode comes from."""
    source = (
        "console"
        if stored(SIGNUP) in SIGNUP_MODES
        else "environment"
        if current.settings().signup
        else "default"
    )
    return SiteValues(
        signup_mode(), default_quota(), default_daily_uploads(), source, two_factor_required()
    )


def account_limits(user_id: int) -> tuple[int, int]:
    """The account's quota in bytes and uploads per day, its own or the site's (0: none)."""
    row = db.session.execute(
        select(User.quota_bytes, User.daily_upload_limit).where(User.id == user_id)
    ).first()
    quota = row.quota_bytes if row is not None and row.quota_bytes is not None else None
    daily = row.daily_upload_limit if row is not None else None
    return (
        default_quota() if quota is None else quota,
        default_daily_uploads() if daily is None else daily,
    )
