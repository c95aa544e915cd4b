"""Site settings and storage as the admin console changes and reports them.

One validation serves the settings form and ``PATCH /api/admin/settings``, so the two
cannot accept different values. Storage is reported from the database (originals),
the store (derived files) and, for local storage, the disk under it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

from vidstream import current
from vidstream.extensions import db
from vidstream.services.auth.admin import MAX_DAILY, MAX_QUOTA
from vidstream.web.errors import AppError
from vidstream.web.site import (
    DEFAULT_DAILY_UPLOADS,
    DEFAULT_QUOTA,
    REQUIRE_TWO_FACTOR,
    SIGNUP,
    SIGNUP_MODES,
    SiteValues,
    site_values,
    store,
)

log = logging.getLogger(__name__)

# Field name (API and form) -> stored setting name and the largest number it takes
# (None: the sign-up mode; 1: a yes or no, stored as "1" or no row at all).
SITE_FIELDS: dict[str, tuple[str, int | None]] = {
    "signup": (SIGNUP, None),
    "default_quota_bytes": (DEFAULT_QUOTA, MAX_QUOTA),
    "default_daily_uploads": (DEFAULT_DAILY_UPLOADS, MAX_DAILY),
    "require_two_factor": (REQUIRE_TWO_FACTOR, 1),
}


def _switch(field: str, value: object) -> str | None:
    """A yes-or-no setting as stored: "1" for yes, no row for no."""
    if type(value) is not bool:
        raise AppError(400, f"{field} is true or false.")
    return "1" if value else None


def site_change(body: object) -> dict[str, str | None]:
    """The stored text of each field ``body`` sets (None: back to the default); 400 otherwise."""
    if not isinstance(body, Mapping) or not body or set(body) - set(SITE_FIELDS):
        raise AppError(400, f"Send a JSON object with any of: {', '.join(SITE_FIELDS)}.")
    change: dict[str, str | None] = {}
    for field, value in body.items():
        name, top = SITE_FIELDS[field]
        if value is None:
            change[name] = None
        elif top == 1:
            change[name] = _switch(field, value)
        elif top is None:
            if value not in SIGNUP_MODES:
                raise AppError(400, f"signup is one of: {', '.join(SIGNUP_MODES)}.")
            change[name] = value
        elif type(value) is not int or not 0 <= value <= top:
            raise AppError(400, f"{field} is a whole number from 0 to {top}, or null.")
        else:
            change[name] = str(value)
    return change


def change_site(change: Mapping[str, str | None], acting_id: int) -> SiteValues:
    """Save the settings ``change`` names (from :func:`site_change`) and return them all."""
    for name, value in change.items():
        store(name, value)
    db.session.commit()
    log.info("admin %d changed site settings: %s", acting_id, dict(change))
    return site_values()


@dataclass(frozen=True)
class Holdings:
    """What the place videos are stored in holds: a disk's usage, or a bucket's objects."""

    kind: str  # "disk" or "bucket"
    total_bytes: int | None  # the disk's size; None for a bucket
    used_bytes: int  # everything on the disk, or every object under videos/
    free_bytes: int | None
    objects: int | None  # objects listed in the bucket; None for a disk


def holdings() -> Holdings:
    """The disk under local storage (``shutil.disk_usage``), or the bucket's listing."""
    storage = current.storage()
    folder = storage.local_path("videos")
    if folder is not None:
        while not folder.exists():
            folder = folder.parent
        usage = shutil.disk_usage(folder)
        return Holdings("disk", usage.total, usage.used, usage.free, None)
    keys = storage.list_keys("videos/")
    return Holdings("bucket", None, sum(storage.size(k) for k in keys), None, len(keys))
