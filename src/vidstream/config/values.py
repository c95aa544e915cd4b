"""Reading each ``VIDSTREAM_*`` value: parsed, checked, or a :class:`ConfigError` that
names the variable. :mod:`vidstream.config` assembles them into ``Settings``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vidstream.storage import check_storage_url

SERVICES = ("auth", "upload", "stream")
DEFAULT_PORTS = {"auth": 5000, "upload": 5001, "stream": 5002}
GIB = 1024**3
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
)  # fmt: skip


class ConfigError(ValueError):
    """A configuration value is missing or malformed."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def read_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def read_choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, default).strip().lower() or default
    if value not in allowed:
        choices = ", ".join(a for a in allowed if a)
        raise ConfigError(f"{name} must be one of {choices}, got {value!r}")
    return value


def read_services(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("VIDSTREAM_SERVICES", "").strip()
    if not raw or raw == "all":
        return SERVICES
    chosen = tuple(s.strip().lower() for s in raw.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SERVICES]
    if unknown:
        raise ConfigError(
            f"VIDSTREAM_SERVICES has unknown service(s) {', '.join(unknown)}; "
            f"choose from {', '.join(SERVICES)}"
        )
    return chosen


def read_encoder(env: Mapping[str, str]) -> str:
    value = env.get("VIDSTREAM_VIDEO_ENCODER", "").strip().lower() or "auto"
    if not re.fullmatch(r"[a-z0-9_]{2,40}", value):
        raise ConfigError(
            f"VIDSTREAM_VIDEO_ENCODER must be 'auto' or an ffmpeg encoder name such as "
            f"libx264 or h264_nvenc, got {value!r}"
        )
    return value


# Setting field -> environment variable; values use the limits library's notation.
LIMIT_VARS = {
    "limit_signin_ip": "VIDSTREAM_LIMIT_SIGNIN_IP",
    "limit_signin_user": "VIDSTREAM_LIMIT_SIGNIN_USER",
    "limit_signup_ip": "VIDSTREAM_LIMIT_SIGNUP_IP",
    "limit_upload_user": "VIDSTREAM_LIMIT_UPLOAD_USER",
    "limit_api_user": "VIDSTREAM_LIMIT_API_USER",
    "limit_share_unlock": "VIDSTREAM_LIMIT_SHARE_UNLOCK",
}


def read_limits(env: Mapping[str, str]) -> dict[str, Any]:
    """Rate limits such as ``10/minute;50/hour``, checked now so a typo stops start-up."""
    from limits import parse_many

    chosen: dict[str, Any] = {}
    for field_name, var in LIMIT_VARS.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue
        try:
            parse_many(raw)
        except ValueError:
            raise ConfigError(f"{var} must look like '10/minute;100/hour', got {raw!r}") from None
        chosen[field_name] = raw
    return chosen


def read_embed_origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """``*`` (anyone), or origins such as ``https://blog.example`` separated by spaces."""
    raw = env.get("VIDSTREAM_EMBED_ORIGINS", "").replace(",", " ").split()
    if not raw or raw == ["*"]:
        return ("*",)
    origin = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?|'self'|'none'")
    for value in raw:
        if not origin.fullmatch(value):
            raise ConfigError(
                "VIDSTREAM_EMBED_ORIGINS must be * or origins such as https://blog.example "
                f"(scheme and host, no path), got {value!r}"
            )
    return tuple(raw)


def read_accel_prefix(env: Mapping[str, str], storage_url: str) -> str:
    """The gateway's internal location for media bytes, e.g. ``/_protected/``; "" = off."""
    value = env.get("VIDSTREAM_ACCEL_REDIRECT", "").strip()
    if value and not re.fullmatch(r"/[A-Za-z0-9_\-/]*/", value):
        raise ConfigError(
            f"VIDSTREAM_ACCEL_REDIRECT must be a path that starts and ends with /, got {value!r}"
        )
    if value and not storage_url.startswith("file://"):
        raise ConfigError(
            "VIDSTREAM_ACCEL_REDIRECT needs file:// storage that the gateway can read; "
            "with S3 storage, media requests are redirected to presigned links instead"
        )
    return value


def read_media_links(env: Mapping[str, str], storage_url: str, accel: str) -> tuple[str, str]:
    """The gateway's location for signed media links and their secret; ("", "") = off."""
    prefix = env.get("VIDSTREAM_MEDIA_LINKS", "").strip()
    if not prefix:
        return "", ""
    if not re.fullmatch(r"/[A-Za-z0-9_\-/]*/", prefix):
        raise ConfigError(
            f"VIDSTREAM_MEDIA_LINKS must be a path that starts and ends with /, got {prefix!r}"
        )
    if not storage_url.startswith("file://"):
        raise ConfigError(
            "VIDSTREAM_MEDIA_LINKS needs file:// storage that the gateway can read; "
            "with S3 storage, media requests are redirected to presigned links instead"
        )
    if accel:
        raise ConfigError("set VIDSTREAM_MEDIA_LINKS or VIDSTREAM_ACCEL_REDIRECT, not both")
    secret = env.get("VIDSTREAM_MEDIA_LINK_SECRET", "").strip()
    # The gateway reads the same value from its config file: letters, digits, - and _.
    if not re.fullmatch(r"[A-Za-z0-9_\-]{32,}", secret):
        raise ConfigError(
            "VIDSTREAM_MEDIA_LINK_SECRET must be at least 32 letters, digits, - or _ (the "
            "gateway's GATEWAY_MEDIA_LINK_SECRET) when VIDSTREAM_MEDIA_LINKS is set"
        )
    return prefix, secret


def read_log_file(env: Mapping[str, str], data_dir: Path) -> Path | None:
    """``VIDSTREAM_LOG_FILE``: every log line there, only warnings on the terminal.

    A relative path is inside the data dir (``vidstream.log``, as ``dev.py run`` sets).
    """
    raw = env.get("VIDSTREAM_LOG_FILE", "").strip()
    return data_dir / Path(raw).expanduser() if raw else None


def read_storage_url(env: Mapping[str, str], data_dir: Path) -> str:
    """Where media lives: a folder (the default, under the data dir) or an S3 bucket."""
    url = env.get("VIDSTREAM_STORAGE_URL", "").strip() or f"file://{data_dir / 'media'}"
    try:
        return check_storage_url(url)
    except ValueError as error:
        # An s3:// URL is not echoed: someone may have put a secret into it.
        shown = "" if url.startswith("s3://") else f", got {url!r}"
        raise ConfigError(f"VIDSTREAM_STORAGE_URL {error}{shown}") from None


def read_presigned_url_seconds(env: Mapping[str, str]) -> int:
    """How long a presigned media link stays valid (S3 storage); SigV4 allows up to 7 days."""
    value = read_int(env, "VIDSTREAM_PRESIGNED_URL_SECONDS", 300, minimum=10)
    if value > 7 * 24 * 3600:
        raise ConfigError(f"VIDSTREAM_PRESIGNED_URL_SECONDS must be at most 604800, got {value}")
    return value


def parse_networks(raw: str) -> tuple[Network, ...]:
    """CIDRs (or single addresses) separated by commas; ValueError names a bad one."""
    networks = []
    for item in (piece.strip() for piece in raw.split(",")):
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def read_proxy_networks(env: Mapping[str, str]) -> tuple[Network, ...]:
    """The networks of the proxies whose X-Forwarded-* headers are believed (web.proxies)."""
    if env.get("VIDSTREAM_TRUSTED_PROXIES", "").strip() not in ("", "0"):
        raise ConfigError(
            "VIDSTREAM_TRUSTED_PROXIES (a count of hops) is no longer read: set "
            "VIDSTREAM_TRUSTED_PROXY_NETWORKS to the addresses of your proxies instead, "
            "e.g. 172.28.71.80/32 (see docs/decisions.md)"
        )
    raw = env.get("VIDSTREAM_TRUSTED_PROXY_NETWORKS", "")
    try:
        return parse_networks(raw)
    except ValueError as error:
        raise ConfigError(
            f"VIDSTREAM_TRUSTED_PROXY_NETWORKS must be addresses or CIDRs separated by "
            f"commas, such as 10.0.0.0/8,127.0.0.1: {error}"
        ) from None


def read_url(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip().rstrip("/")
    if value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must start with http:// or https://, got {value!r}")
    return value


def read_secret_key(env: Mapping[str, str], data_dir: Path) -> str:
    """Return the configured secret, or one generated once into the data dir (0600)."""
    configured = env.get("VIDSTREAM_SECRET_KEY", "").strip()
    if configured:
        if len(configured) < 32:
            raise ConfigError("VIDSTREAM_SECRET_KEY must be at least 32 characters long")
        return configured
    path = data_dir / "secret_key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text().strip()
        if len(value) < 32:
            raise ConfigError(f"{path} is shorter than 32 characters; delete it") from None
        return value
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
        fh.flush()
        os.fsync(fh.fileno())
    return path.read_text().strip()
