"""The OpenAPI document: valid, complete for /api/, served by every service, cacheable."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from vidstream import create_app
from vidstream.config import DEFAULT_PORTS, SERVICES, Settings

OPERATIONS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Which service serves each path; the document itself is served by every one.
OWNERS = {
    "/api/session": "auth",
    "/api/uploads/": "upload",
    "/api/uploads/{upload_id}": "upload",
    "/api/videos": "stream",
    "/api/videos/{public_id}": "stream",
    "/api/videos/{public_id}/shares": "stream",
    "/api/videos/{public_id}/position": "stream",
    "/api/videos/{public_id}/shares/{share_id}": "stream",
    "/api/admin/users": "auth",
    "/api/admin/users/{username}": "auth",
    "/api/admin/jobs": "auth",
    "/api/admin/settings": "auth",
    "/api/admin/jobs/{public_id}/retry": "auth",
    "/api/collections": "stream",
    "/api/collections/{collection_id}": "stream",
    "/api/collections/{collection_id}/videos": "stream",
    "/api/collections/{collection_id}/videos/{video_id}": "stream",
    "/api/videos/{public_id}/stats": "stream",
    "/api/stats": "stream",
    "/api/account": "auth",
    "/api/account/export": "auth",
    "/api/account/activity": "auth",
    "/api/admin/audit": "auth",
    "/api/videos/{public_id}/captions": "stream",
    "/api/videos/{public_id}/captions/{language}": "stream",
}


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every /api/ route, less the methods Flask adds itself."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        methods = set(rule.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")  # answered by the GET view
        if getattr(rule, "provide_automatic_options", False):
            methods.discard("OPTIONS")
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in methods}
    return routes


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(method, path) of every operation in the document."""
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in OPERATIONS
    }


def test_every_api_route_is_documented_and_nothing_more(
    app: Flask, document: dict[str, Any]
) -> None:
    routes = api_routes(app)
    assert ("PATCH", "/api/uploads/{upload_id}") in routes
    assert routes == documented(document)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_path_parameters_name_the_route_variables(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        variables = set(re.findall(r"{([^}]+)}", path))
        for method in OPERATIONS & set(item):
            parameters = [*item.get("parameters", []), *item[method].get("parameters", [])]
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            assert in_path == variables, f"{method} {path}"


def test_security_schemes_name_the_real_cookie_and_token(
    app: Flask, document: dict[str, Any]
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["sessionCookie"]["name"] == app.config["SESSION_COOKIE_NAME"]
    assert schemes["bearerToken"]["scheme"] == "bearer"


def test_served_to_anyone_as_cacheable_json(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.cache_control.public
    assert response.cache_control.max_age is not None and response.cache_control.max_age > 0
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    again = client.get("/api/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_one_origin_needs_no_servers(document: dict[str, Any]) -> None:
    assert all("servers" not in item for item in document["paths"].values())


def test_each_service_describes_all_and_points_to_the_others(settings: Settings) -> None:
    for service in SERVICES:
        app = create_app(settings, services=[service])
        client = app.test_client()
        response = client.get(
            "/api/openapi.json", base_url=f"http://videos.test:{DEFAULT_PORTS[service]}"
        )
        assert response.status_code == 200, service
        document = response.get_json()
        assert api_routes(app) <= documented(document)
        for path, item in document["paths"].items():
            owner = OWNERS.get(path, service)
            expected = [] if owner == service else [f"http://videos.test:{DEFAULT_PORTS[owner]}"]
            assert [s["url"] for s in item.get("servers", [])] == expected, (service, path)
