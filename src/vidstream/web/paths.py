"""What kind of request a path is: the one classification every request hook uses.

Sessions, CSRF, rate limits, error rendering and response headers each treat some
paths differently: media bytes are cheap, owner-checked reads a player sends many
of; operations endpoints answer whatever a cookie says; API calls get JSON errors.
They all ask :func:`path_kind` rather than keep prefix lists of their own.
"""

from __future__ import annotations

from enum import Enum


class PathKind(Enum):
    """The kinds of request paths, each with the hooks' rules for it."""

    MEDIA = "media"  # /media/... and /s/<token>/m/...: video bytes, playlists, pictures
    STATIC = "static"  # /static/...: the app's own CSS and scripts
    OPS = "ops"  # /healthz, /readyz, /metrics: for probes and scrapes
    UPLOADS = "uploads"  # /api/uploads...: the tus endpoints (part of the API)
    API = "api"  # /api/...: JSON calls
    EMBED = "embed"  # /embed/<id>, /s/<token>/embed: a bare player other sites may frame
    SHARED_PAGE = "shared_page"  # /s/<token>...: a share link's page (no referrer, no index)
    PAGE = "page"  # everything else: HTML pages and forms

    @property
    def is_api(self) -> bool:
        """Answered in JSON, errors included."""
        return self in (PathKind.API, PathKind.UPLOADS)

    @property
    def serves_bytes(self) -> bool:
        """A file read: never rate-limited, never rewrites the session."""
        return self in (PathKind.MEDIA, PathKind.STATIC)

    @property
    def needs_session(self) -> bool:
        """Whether the request is judged by who is signed in (ops endpoints are not)."""
        return self is not PathKind.OPS

    @property
    def rate_limited(self) -> bool:
        """Whether abuse limits may apply at all (never to bytes or ops endpoints)."""
        return not self.serves_bytes and self is not PathKind.OPS

    @property
    def frameable(self) -> bool:
        """Whether other sites may frame it (only the embed pages, and as configured)."""
        return self is PathKind.EMBED

    @property
    def wants_json_errors(self) -> bool:
        """Errors are JSON whatever the Accept header says (API calls and media)."""
        return self.is_api or self is PathKind.MEDIA


OPS_PATHS = ("/healthz", "/readyz", "/metrics")


def path_kind(path: str) -> PathKind:
    """The kind of the request path ``path``."""
    if path.startswith("/media/"):
        return PathKind.MEDIA
    if path.startswith("/s/"):
        return _share_path_kind(path.split("/"))
    if path.startswith("/embed/"):
        return PathKind.EMBED
    if path.startswith("/static/"):
        return PathKind.STATIC
    if path.startswith("/api/"):
        return PathKind.UPLOADS if path.startswith("/api/uploads") else PathKind.API
    if path.startswith(OPS_PATHS):
        return PathKind.OPS
    return PathKind.PAGE


def _share_path_kind(parts: list[str]) -> PathKind:
    # ["", "s", token, ...]: "m" then a grant and a file is media, "embed" the bare player.
    rest = parts[3:]
    if len(rest) >= 3 and rest[0] == "m":
        return PathKind.MEDIA
    if rest[:1] == ["embed"]:
        return PathKind.EMBED
    return PathKind.SHARED_PAGE


def is_shared_view(path: str) -> bool:
    """Whether the path is reached through a share link or an embed: no referrer leaves it."""
    return path.startswith(("/s/", "/embed/"))
