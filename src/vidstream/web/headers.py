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


def init_security_headers(app: Flask, settings: Settings) -> None:
    """Add the headers after every response unless a view set its own."""
    media_origin = current.storage(app).download_origin()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        kind = path_kind(request.path)
        framers = settings.embed_origins if kind.frameable else ("'none'",)
        if "Content-Security-Policy" not in headers:
            origins = service_origins(settings)
            headers["Content-Security-Policy"] = content_security_policy(
                origins, media_origin, framers
            )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if is_shared_view(request.path):
            # A share link's token is in the URL: it must not leave in a Referer header,
            # and search engines must not keep it.
            headers["Referrer-Policy"] = "no-referrer"
            headers["X-Robots-Tag"] = "noindex, nofollow"
        headers.setdefault("Referrer-Policy", "same-origin")
        if not kind.frameable:
            headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
