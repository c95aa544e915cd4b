"""Typed settings read from ``VIDSTREAM_*`` environment variables.

Every value is optional; the defaults make the embedded mode (SQLite, local disk,
no Redis). A value that cannot be parsed stops start-up with a message naming the
variable, rather than surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vidstream.config.values import (
    DEFAULT_PORTS,
    GIB,
    SERVICES,
    X264_PRESETS,
    ConfigError,
    Network,
    parse_networks,
    read_accel_prefix,
    read_choice,
    read_embed_origins,
    read_encoder,
    read_int,
    read_limits,
    read_log_file,
    read_media_links,
    read_presigned_url_seconds,
    read_proxy_networks,
    read_secret_key,
    read_services,
    read_storage_url,
    read_url,
)

__all__ = [
    "DEFAULT_PORTS",
    "SERVICES",
    "ConfigError",
    "Network",
    "Settings",
    "load_settings",
    "parse_networks",
]


@dataclass(frozen=True)
class Settings:
    """Everything vidstream reads from its environment, already validated."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    storage_url: str
    max_upload_bytes: int
    user_quota_bytes: int
    # open | invite | closed; "" = open for the first account, then invite (web/site.py).
    signup: str
    services: tuple[str, ...]
    public_url: str
    service_urls: dict[str, str] = field(default_factory=dict)
    session_lifetime_days: int = 14
    session_idle_minutes: int = 120
    session_store_limit: int = 20_000
    rate_limits: bool = True
    # Allowed byte requests answered before Flask (services/stream/fast_path.py).
    media_fast_path: bool = True
    limit_signin_ip: str = "30/minute;300/hour"
    limit_signin_user: str = "10/minute;50/hour"
    limit_signup_ip: str = "10/hour"
    limit_upload_user: str = "60/hour"
    limit_api_user: str = "600/minute"
    limit_share_unlock: str = "10/minute;50/hour"
    media_cache_seconds: int = 3600
    redis_prefix: str = "vidstream:"
    trusted_proxy_networks: tuple[Network, ...] = ()
    upload_expiry_hours: int = 24
    upload_lock_seconds: int = 30
    upload_read_timeout_seconds: int = 20
    video_encoder: str = "auto"
    x264_preset: str = "veryfast"
    job_lease_seconds: int = 300
    job_time_limit_seconds: int = 4 * 3600
    accel_redirect: str = ""
    media_links: str = ""
    media_link_secret: str = field(default="", repr=False)
    presigned_url_seconds: int = 300
    metrics_token: str = ""
    log_format: str = "text"
    # Who may frame the embed pages (CSP frame-ancestors); every other page: nobody.
    embed_origins: tuple[str, ...] = ("*",)
    log_file: Path | None = None
    # How long raw watch ranges are kept (the daily aggregates are kept for good), and
    # how many seconds of video one viewer may report per minute (docs/analytics.md).
    analytics_raw_days: int = 30
    analytics_seconds_per_minute: int = 150
    # How long audit log rows are kept (docs/security.md, "The audit log").
    audit_retention_days: int = 365
    testing: bool = False

    @property
    def staging_dir(self) -> Path:
        """Where request bodies land before they are validated and stored."""
        return self.data_dir / "staging"

    @property
    def tus_dir(self) -> Path:
        """Where unfinished tus uploads keep their partial files, one per upload public id."""
        return self.staging_dir / "tus"

    @property
    def work_dir(self) -> Path:
        """Scratch space for media jobs; each job uses and removes a folder of its own."""
        return self.data_dir / "work"

    @property
    def broker_url(self) -> str:
        """The job queue: Redis when configured, else a SQLite file in the data dir."""
        return self.redis_url or f"sqla+sqlite:///{self.data_dir / 'queue.db'}"


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from ``env`` (default ``os.environ``) plus overrides."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("VIDSTREAM_DATA_DIR", "data")).expanduser().resolve()
    if "data_dir" in overrides:
        data_dir = Path(overrides["data_dir"]).resolve()
    database_url = env.get("VIDSTREAM_DATABASE_URL", "").strip() or (
        f"sqlite:///{data_dir / 'vidstream.db'}"
    )
    if database_url.startswith("mysql://"):
        database_url = "mysql+pymysql://" + database_url.removeprefix("mysql://")
    storage_url = read_storage_url(env, data_dir)
    accel = read_accel_prefix(env, storage_url)
    media_links, media_link_secret = read_media_links(env, storage_url, accel)
    service_urls = {
        name: read_url(env, f"VIDSTREAM_{name.upper()}_URL")
        for name in SERVICES
        if env.get(f"VIDSTREAM_{name.upper()}_URL")
    }
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("VIDSTREAM_REDIS_URL", "").strip() or None,
        secret_key="",
        storage_url=storage_url,
        max_upload_bytes=read_int(env, "VIDSTREAM_MAX_UPLOAD_BYTES", 10 * GIB, minimum=1),
        user_quota_bytes=read_int(env, "VIDSTREAM_USER_QUOTA_BYTES", 50 * GIB),
        signup=read_choice(env, "VIDSTREAM_SIGNUP", "", ("", "open", "invite", "closed")),
        services=read_services(env),
        public_url=read_url(env, "VIDSTREAM_PUBLIC_URL"),
        service_urls=service_urls,
        session_lifetime_days=read_int(env, "VIDSTREAM_SESSION_DAYS", 14, minimum=1),
        session_idle_minutes=read_int(env, "VIDSTREAM_SESSION_IDLE_MINUTES", 120, minimum=5),
        session_store_limit=read_int(env, "VIDSTREAM_SESSION_STORE_LIMIT", 20_000, minimum=100),
        rate_limits=read_choice(env, "VIDSTREAM_RATE_LIMITS", "on", ("on", "off")) == "on",
        media_fast_path=read_choice(env, "VIDSTREAM_MEDIA_FAST_PATH", "on", ("on", "off")) == "on",
        redis_prefix=env.get("VIDSTREAM_REDIS_PREFIX", "vidstream:").strip() or "vidstream:",
        trusted_proxy_networks=read_proxy_networks(env),
        upload_expiry_hours=read_int(env, "VIDSTREAM_UPLOAD_EXPIRY_HOURS", 24, minimum=1),
        upload_lock_seconds=read_int(env, "VIDSTREAM_UPLOAD_LOCK_SECONDS", 30, minimum=2),
        upload_read_timeout_seconds=read_int(env, "VIDSTREAM_UPLOAD_READ_TIMEOUT", 20, minimum=1),
        video_encoder=read_encoder(env),
        x264_preset=read_choice(env, "VIDSTREAM_X264_PRESET", "veryfast", X264_PRESETS),
        job_lease_seconds=read_int(env, "VIDSTREAM_JOB_LEASE_SECONDS", 300, minimum=2),
        job_time_limit_seconds=read_int(env, "VIDSTREAM_JOB_TIME_LIMIT", 4 * 3600, minimum=60),
        accel_redirect=accel,
        media_links=media_links,
        media_link_secret=media_link_secret,
        presigned_url_seconds=read_presigned_url_seconds(env),
        metrics_token=env.get("VIDSTREAM_METRICS_TOKEN", "").strip(),
        log_format=read_choice(env, "VIDSTREAM_LOG_FORMAT", "text", ("text", "json")),
        embed_origins=read_embed_origins(env),
        log_file=read_log_file(env, data_dir),
        analytics_raw_days=read_int(env, "VIDSTREAM_ANALYTICS_RAW_DAYS", 30, minimum=2),
        analytics_seconds_per_minute=read_int(
            env, "VIDSTREAM_ANALYTICS_SECONDS_PER_MINUTE", 150, minimum=60
        ),
        audit_retention_days=read_int(env, "VIDSTREAM_AUDIT_RETENTION_DAYS", 365, minimum=1),
    )
    settings = replace(settings, **read_limits(env), **overrides)
    if not settings.secret_key:
        settings = replace(settings, secret_key=read_secret_key(env, settings.data_dir))
    return settings
