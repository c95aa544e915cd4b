"""Building links to any service, whether it runs in this process or elsewhere.

A process serves only some blueprints, yet pages link across all three services. The
full URL map is built once per app from every blueprint; a link to an endpoint this
process serves is relative, and one to another service is prefixed with that service's
configured base URL (or, by default, this host on the service's original port).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.routing import Map

from vidstream import current
from vidstream.config import DEFAULT_PORTS, SERVICES


def build_url_map(blueprints: dict[str, Any]) -> Map:
    """A URL map holding every service's routes, used only to build links."""
    shadow = Flask("vidstream.web.urls")
    for blueprint in blueprints.values():
        shadow.register_blueprint(blueprint)
    return shadow.url_map


def service_base(service: str) -> str:
    """Base URL of ``service`` as seen from the current request ('' = this origin)."""
    settings = current.settings()
    if service in settings.service_urls:
        return settings.service_urls[service]
    if service in settings.services:
        return ""
    if settings.public_url:
        return settings.public_url
    host = request.host if request.host.endswith("]") else request.host.rsplit(":", 1)[0]
    return f"{request.scheme}://{host}:{DEFAULT_PORTS[service]}"


def service_url(endpoint: str, **values: Any) -> str:
    """URL for ``endpoint`` (``"service.view"``) in whichever process serves it."""
    url_map = current.url_map()
    service = endpoint.split(".", 1)[0]
    path = url_map.bind("localhost").build(endpoint, values)
    return service_base(service) + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """Like :func:`service_url`, but always with scheme and host: for links people copy."""
    url = service_url(endpoint, **values)
    if url.startswith(("http://", "https://")):
        return url
    base = current.settings().public_url or request.host_url
    return base.rstrip("/") + url


def safe_redirect_target(target: str | None) -> str | None:
    """``target`` if it points at this origin or another vidstream service, else None.

    Guards the ``next`` parameter of sign-in against open redirects.
    """
    if not target or any(c in target for c in "\\\r\n\t"):
        return None
    if target.startswith("/") and not target.startswith("//"):
        return target
    parts = urlsplit(target)
    origin = f"{parts.scheme}://{parts.netloc}"
    allowed = {request.host_url.rstrip("/")} | {service_base(s) for s in SERVICES}
    return target if parts.scheme in ("http", "https") and origin in allowed else None
