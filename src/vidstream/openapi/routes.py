"""``GET /api/openapi.json`` on every app: each service serves a part of /api/.

The document always describes the whole API. On split ports a path that another
process serves carries that process's base URL in its ``servers``, the same base
URL links to it are built with, so a client reading the document from any service
sends each request to the right one.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from vidstream import current
from vidstream.openapi.components import Object
from vidstream.openapi.document import build_document, openapi_path
from vidstream.web.urls import service_base

bp = Blueprint("openapi", __name__)

# Long enough to spare clients a refetch, short enough that an upgrade shows soon;
# the ETag makes revalidation cheap.
MAX_AGE_SECONDS = 300


def located_document() -> Object:
    """The document with a ``servers`` entry on every path another process serves."""
    document = build_document()
    url_map = current.url_map()
    for rule in url_map.iter_rules():
        item = document["paths"].get(openapi_path(rule.rule))
        if item is None:
            continue
        service = rule.endpoint.split(".", 1)[0]
        if base := service_base(service):
            item["servers"] = [{"url": base, "description": f"the {service} service"}]
    return document


@bp.get("/api/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 description of /api/ (public, cacheable, with an ETag)."""
    body = json.dumps(located_document(), sort_keys=True, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    response.add_etag()
    response.make_conditional(request)
    return response
