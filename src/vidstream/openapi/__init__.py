"""The OpenAPI description of the JSON API and the tus server, served at /api/openapi.json."""

from vidstream.openapi.document import build_document, openapi_path
from vidstream.openapi.routes import bp

__all__ = ["bp", "build_document", "openapi_path"]
