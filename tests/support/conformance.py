"""Check a real response against what the OpenAPI document promises for its operation."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

DOCUMENT = "urn:vidstream:openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Conformance:
    """Validates responses against one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT, resource)

    def _validate(self, value: Any, *pointer: str) -> None:
        schema = {"$ref": f"{DOCUMENT}#/{_pointer(*pointer)}"}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=FormatChecker()
        )
        errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(value)]
        assert not errors, f"{'/'.join(pointer)}: {errors}"

    def check(self, method: str, path: str, response: TestResponse) -> None:
        """Assert ``response`` to ``method path`` (a spec path) is as documented."""
        operation = self.document["paths"][path][method.lower()]
        status = str(response.status_code)
        where = f"{method} {path} {status}"
        assert status in operation["responses"], f"{where}: undocumented status"
        documented = operation["responses"][status]
        pointer = ("paths", path, method.lower(), "responses", status)
        for name, header in documented.get("headers", {}).items():
            value = response.headers.get(name)
            if value is None:
                assert not header["required"], f"{where}: no {name} header"
                continue
            typed = int(value) if header["schema"].get("type") == "integer" else value
            self._validate(typed, *pointer, "headers", name, "schema")
        content = documented.get("content")
        if content is None or method.upper() == "HEAD":
            assert response.data == b"", f"{where}: a body where none is documented"
            return
        assert response.mimetype in content, f"{where}: undocumented {response.mimetype}"
        if not response.is_json:
            return  # a binary body (the account export's ZIP): its type is all there is to check
        body = response.get_json()
        self._validate(body, *pointer, "content", response.mimetype, "schema")
        if isinstance(body, dict) and "error" in body:
            assert body["error"]["status"] == response.status_code, where
