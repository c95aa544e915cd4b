"""Response headers every page and file carries: CSP, nosniff, referrer and framing rules."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, Response

from vidstream import current
from vidstream.config import SERVICES, Settings
from vidstream.web.urls import service_base

FIXED_DIRECTIVES = (
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
)


def content_security_policy(form_origins: Iterable[str], media_origin: str | None = None) -> str:
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


def init_security_headers(app: Flask, settings: Settings) -> None:
    """Add the headers after every response unless a view set its own."""
    media_origin = current.storage(app).download_origin()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            policy = content_security_policy(service_origins(settings), media_origin)
            headers["Content-Security-Policy"] = policy
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
