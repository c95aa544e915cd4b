"""schemathesis against /api/openapi.json, with the app in process (WSGI).

Every operation is fuzzed twice: as a real user with a Bearer token, and anonymously.
All of schemathesis's checks run (no 5xx, documented status codes, headers, content
types and bodies; invalid input refused; auth enforced) except positive-data
acceptance, since nearly every valid-looking id names nothing and rightly gets 404.

In the token run a path id is, half the time, one that exists (unfinished and finished
uploads, videos), so generated headers and bodies reach the upload and video logic
instead of stopping at 404. Each operation that deletes gets resources of its own.
Generation is seeded and derandomized, so every CI run sends the same requests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis import Case

from tests.support.accounts import ApiUser, make_api_user
from tests.support.tus import OCTETS, Tus

SEED = 20240601
MAX_EXAMPLES = 40
# Statuses the tus protocol prescribes for bad input, besides the generic ones.
REFUSALS = ["400", "401", "404", "405", "409", "411", "412", "413", "415", "422", "429"]
# Without a required header: a missing Tus-Resumable is 412; a PATCH without
# Upload-Offset usually also lacks its body type (415); a POST to an upload without
# X-HTTP-Method-Override is a method that upload URLs do not allow (405).
MISSING_HEADER = ["400", "401", "405", "412", "415"]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Limits high enough that the run exercises the API, not only the limiter."""
    return {"limit_upload_user": "100000/hour", "limit_api_user": "100000/minute"}


class Resources:
    """Uploads and videos of one user, made through the API, for ids that exist."""

    def __init__(self, app: Flask, user: ApiUser) -> None:
        self.tus = Tus(app.test_client(), user.bearer)

    def upload(self, length: int = 1000, data: bytes | None = None) -> str:
        """A new upload's id; with ``data`` (the whole file) it is finished at once."""
        headers = {} if data is None else {"Content-Type": OCTETS}
        response = self.tus.create(length, data=data or b"", headers=headers)
        assert response.status_code == 201, response.get_json()
        location: str = response.headers["Location"]
        return location.rsplit("/", 1)[1]

    def video(self, mp4: bytes) -> tuple[str, str]:
        """(finished upload id, the video it became)."""
        upload_id = self.upload(len(mp4), mp4)
        head = self.tus.head(f"/api/uploads/{upload_id}")
        return upload_id, head.headers["Upload-Video-Id"]


def _binding(operation_id: str, **dictionaries: str) -> dict[str, Any]:
    """Draw the named parameters of one operation from dictionaries, half the time."""
    return {
        "include-operation-id": operation_id,
        "parameters": {
            parameter: {"dictionary": dictionary, "probability": 0.5}
            for parameter, dictionary in dictionaries.items()
        },
    }


def existing_ids(app: Flask, user: ApiUser, mp4: bytes) -> dict[str, Any]:
    """schemathesis configuration that sends ids of real uploads and videos."""
    made = Resources(app, user)
    finished, kept_video = made.video(mp4)
    _, doomed_video = made.video(mp4)
    values: dict[str, list[Any]] = {
        "uploads": [made.upload(), finished],
        "uploads-to-delete": [made.upload() for _ in range(3)],
        "uploads-to-override": [made.upload() for _ in range(3)],
        "videos": [kept_video],
        "videos-to-delete": [doomed_video],
        # Where a new upload stands, so some chunks are appended rather than refused.
        "offsets": [0],
    }
    upload_id = "path.upload_id"
    return {
        "dictionaries": {name: {"values": entries} for name, entries in values.items()},
        "operations": [
            _binding("getUploadOffset", **{upload_id: "uploads"}),
            _binding("appendToUpload", **{upload_id: "uploads", "header.Upload-Offset": "offsets"}),
            _binding("terminateUpload", **{upload_id: "uploads-to-delete"}),
            _binding("overrideUploadMethod", **{upload_id: "uploads-to-override"}),
            _binding("getVideo", **{"path.public_id": "videos"}),
            _binding("deleteVideo", **{"path.public_id": "videos-to-delete"}),
        ],
    }


@pytest.fixture(params=["bearer", "anonymous"])
def api_schema(request: pytest.FixtureRequest, app: Flask, sample_mp4: Path) -> Any:
    """The served document, loaded by schemathesis, as a token user or as nobody."""
    # tus bodies are plain bytes under their own media type.
    schemathesis.serializer.alias(OCTETS, "application/octet-stream")
    config: dict[str, Any] = {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"expected-statuses": REFUSALS},
            "missing_required_header": {"expected-statuses": MISSING_HEADER},
        },
        "operations": [
            # The PATCH-only headers of a method override are rightly ignored when it
            # stands for HEAD or DELETE, so a malformed one is not a refusal there.
            {
                "include-operation-id": "overrideUploadMethod",
                "checks": {"negative_data_rejection": {"enabled": False}},
            }
        ],
    }
    if request.param == "bearer":
        user = make_api_user(app, "alice")
        config["auth"] = {"openapi": {"bearerToken": {"bearer": user.token}}}
        ids = existing_ids(app, user, sample_mp4.read_bytes())
        config["dictionaries"] = ids["dictionaries"]
        config["operations"] += ids["operations"]
    return schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, config=schemathesis.Config.from_dict(config)
    )


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4's fixture-loaded schemas rename the test node via ``_nodeid``,
    which pytest 9.2 no longer has; give it one to read and write."""
    request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_api_conforms_to_its_description(case: Case) -> None:
    case.call_and_validate()
