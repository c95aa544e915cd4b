"""Response headers every page and file carries: CSP, nosniff, referrer and framing rules."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response, request

from vidstream import current
from vidstream.config import SERVICES, Settings
from vidstream.web.paths import is_shared_view, path_kind
from vidstream.web.urls import service_base

# The one inline style allowed is the empty one (its hash): the player's controls keep
# empty <style> elements whose rules are adopted as constructed sheets instead
# (static/player-styles.js). An empty style sheet does nothing.
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
FIXED_DIRECTIVES = (
    "script-src 'self'",
    f"style-src 'self' {EMPTY_STYLE_HASH}",
    "object-src 'none'",
)


def content_security_policy(
    form_origins: Iterable[str],
    media_origin: str | None = None,
    frame_ancestors: Iterable[str] = ("'none'",),
) -> str:
    """A policy without inline script or style; forms may also post to ``form_origins``.

    ``media_origin`` is where storage download links point (S3): pictures and video
    are redirected there, so ``img-src`` and ``media-src`` must allow it.
    """
    form_action = " ".join(["'self'", *sorted({o for o in form_origins if o})])
    media = f" {media_origin}" if media_origin else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src 'self' data: blob:{media}",
            f"media-src 'self' blob:{media}",
            *FIXED_DIRECTIVES,
            f"frame-ancestors {' '.join(frame_ancestors)}",
            "base-uri 'self'",
            f"form-action {form_action}",
        ]
    )


def service_origins(settings: Settings) -> list[str]:
    """Every origin links to the services are built with ('' for this one).

    Split-port deployments serve each service from its own origin and their pages post
    forms across them (sign-out from the upload page, for one), so ``form-action``
    must name them. By default they are this host on other ports, known per request.
    """
    return [settings.public_url, *(service_base(name) for name in SERVICES)]


def fixed_origins(settings: Settings) -> list[str] | None:
    """:func:`service_origins` when no request is needed to know them, else None.

    They are fixed when every service is served here, has a configured URL, or a
    public URL stands for it; only split ports on their default URLs depend on the
    host a request names.
    """
    if not settings.public_url and any(
        name not in settings.services and name not in settings.service_urls for name in SERVICES
    ):
        return None
    return [
        settings.public_url,
        *(
            settings.service_urls.get(
                name, "" if name in settings.services else settings.public_url
            )
            for name in SERVICES
        ),
    ]


def security_headers(
    settings: Settings, path: str, origins: Iterable[str] | None, media_origin: str | None
) -> dict[str, str]:
    """The headers every answer to ``path`` carries; without ``origins``, no policy.

    ``Referrer-Policy`` and ``X-Robots-Tag`` on a shared view are the ones that must
    win over a view's own (see :data:`FORCED_ON_SHARED_VIEWS`).
    """
    kind = path_kind(path)
    headers = {}
    if origins is not None:
        framers = settings.embed_origins if kind.frameable else ("'none'",)
        headers["Content-Security-Policy"] = content_security_policy(origins, media_origin, framers)
    headers["X-Content-Type-Options"] = "nosniff"
    if is_shared_view(path):
        # A share link's token is in the URL: it must not leave in a Referer header,
        # and search engines must not keep it.
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Robots-Tag"] = "noindex, nofollow"
    else:
        headers["Referrer-Policy"] = "same-origin"
    if not kind.frameable:
        headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return headers


FORCED_ON_SHARED_VIEWS = ("Referrer-Policy", "X-Robots-Tag")


def init_security_headers(app: Flask, settings: Settings) -> None:
    """Add the headers after every response unless a view set its own."""
    media_origin = current.storage(app).download_origin()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        origins = None if "Content-Security-Policy" in headers else service_origins(settings)
        shared = is_shared_view(request.path)
        for name, value in security_headers(settings, request.path, origins, media_origin).items():
            if shared and name in FORCED_ON_SHARED_VIEWS:
                headers[name] = value
            else:
                headers.setdefault(name, value)
        return response
