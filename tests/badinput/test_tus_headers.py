"""tus headers, well-formed or not: a precise 4xx (or success where the header is valid),
never a 500, and a refused request changes nothing: no upload row, no partial bytes."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from hypothesis import event, given
from hypothesis import strategies as st

from tests.support.corpus import corpus_settings, header_text, labelled
from tests.support.leftovers import changes, nothing_left_behind, snapshot
from tests.support.tus import OCTETS, Tus, b64
from vidstream import current
from vidstream.services.upload.tus.partial import partial_path

HUGE = "9" * 40
ABSENT = None  # a header left out of the request


def digest(algorithm: str, data: bytes) -> str:
    """An Upload-Checksum value for ``data``."""
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def check_refusal(response: Any, status: int) -> None:
    """The status asked for, a message saying why, and the protocol version."""
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["message"]
    assert response.headers["Tus-Resumable"] == "1.0.0"


def creation_cases(max_size: int) -> dict[str, tuple[dict[str, str | None], int]]:
    """Creation headers -> the status they must get."""
    return {
        "length_missing": ({"Upload-Length": ABSENT}, 400),
        "length_empty": ({"Upload-Length": ""}, 400),
        "length_negative": ({"Upload-Length": "-1"}, 400),
        "length_words": ({"Upload-Length": "ten"}, 400),
        "length_decimal": ({"Upload-Length": "1.5"}, 400),
        "length_exponent": ({"Upload-Length": "1e3"}, 400),
        "length_hex": ({"Upload-Length": "0x10"}, 400),
        "length_plus": ({"Upload-Length": "+10"}, 400),
        "length_underscore": ({"Upload-Length": "1_000"}, 400),
        "length_arabic_digits": ({"Upload-Length": "\u0661\u0660"}, 400),
        "length_superscript": ({"Upload-Length": "\u00b2"}, 400),
        "length_two_numbers": ({"Upload-Length": "10, 10"}, 400),
        "length_over_max": ({"Upload-Length": str(max_size + 1)}, 413),
        "length_2_63": ({"Upload-Length": str(2**63)}, 413),
        "length_huge": ({"Upload-Length": HUGE}, 413),
        "length_deferred": ({"Upload-Length": ABSENT, "Upload-Defer-Length": "1"}, 400),
        "version_missing": ({"Tus-Resumable": ABSENT}, 412),
        "version_old": ({"Tus-Resumable": "0.2.2"}, 412),
        "version_short": ({"Tus-Resumable": "1.0"}, 412),
        "version_empty": ({"Tus-Resumable": ""}, 412),
        "metadata_not_base64": ({"Upload-Metadata": "filename !!notbase64"}, 400),
        "metadata_bad_padding": ({"Upload-Metadata": "filename YQ"}, 400),
        "metadata_duplicate_key": ({"Upload-Metadata": "a YQ==,a Yg=="}, 400),
        "metadata_non_ascii_key": ({"Upload-Metadata": "f\u00efle YQ=="}, 400),
        "metadata_three_parts": ({"Upload-Metadata": "filename YQ== Yg=="}, 400),
    }


@pytest.mark.parametrize("settings_overrides", [{"rate_limits": False, "max_upload_bytes": 1000}])
def test_refused_creations_leave_nothing(app: Flask, tus: Tus) -> None:
    for case, (headers, status) in creation_cases(1000).items():
        with labelled(case), nothing_left_behind(app):
            response = tus.send("POST", "/api/uploads/", {"Upload-Length": "10", **headers})
            check_refusal(response, status)


def test_refused_creations_with_a_body_leave_nothing(app: Flask, tus: Tus) -> None:
    body = b"0123456789"
    cases: dict[str, tuple[dict[str, str | None], int]] = {
        "content_type_text": ({"Content-Type": "text/plain"}, 415),
        "content_type_form": ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        "checksum_unknown_algorithm": ({"Upload-Checksum": "crc32 AAAAAA=="}, 400),
        "checksum_not_base64": ({"Upload-Checksum": "sha1 ***"}, 400),
        "checksum_no_digest": ({"Upload-Checksum": "sha1"}, 400),
        "checksum_wrong_length": ({"Upload-Checksum": f"sha256 {b64('short')}"}, 400),
        "body_longer_than_length": ({"Upload-Length": "5"}, 413),
    }
    for case, (headers, status) in cases.items():
        with labelled(case), nothing_left_behind(app):
            merged = {"Upload-Length": "100", "Content-Type": OCTETS, **headers}
            check_refusal(tus.send("POST", "/api/uploads/", merged, data=body), status)
    with nothing_left_behind(app):
        chunked = {"Upload-Length": "100", "Content-Type": OCTETS, "Transfer-Encoding": "chunked"}
        check_refusal(
            tus.send("POST", "/api/uploads/", chunked, input_stream=io.BytesIO(body)), 411
        )


def test_valid_but_unusual_metadata_is_accepted(app: Flask, tus: Tus) -> None:
    for metadata in ("", ",,,", "filename", "is_confidential,filename YQ==", f"x {b64('é')}"):
        created = tus.send(
            "POST", "/api/uploads/", {"Upload-Length": "10", "Upload-Metadata": metadata}
        )
        assert created.status_code == 201, (metadata, created.get_json())
        assert tus.delete(created.headers["Location"]).status_code == 204
    assert not snapshot(app).uploads


@pytest.fixture
def started(tus: Tus) -> str:
    """An upload of 1000 bytes whose first byte has arrived (its partial file exists)."""
    url = tus.new(1000)
    assert tus.patch(url, 0, b"x").status_code == 204
    return url


def patch_cases(body: bytes) -> dict[str, tuple[dict[str, str | None], int]]:
    """PATCH headers (over a correct offset-1 request) -> the status they must get."""
    return {
        "offset_missing": ({"Upload-Offset": ABSENT}, 400),
        "offset_empty": ({"Upload-Offset": ""}, 400),
        "offset_negative": ({"Upload-Offset": "-1"}, 400),
        "offset_words": ({"Upload-Offset": "one"}, 400),
        "offset_decimal": ({"Upload-Offset": "1.0"}, 400),
        "offset_arabic_digit": ({"Upload-Offset": "\u0661"}, 400),
        "offset_behind": ({"Upload-Offset": "0"}, 409),
        "offset_ahead": ({"Upload-Offset": "2"}, 409),
        "offset_huge": ({"Upload-Offset": HUGE}, 409),
        "content_type_missing": ({"Content-Type": ABSENT}, 415),
        "content_type_octets": ({"Content-Type": "application/octet-stream"}, 415),
        "content_type_text": ({"Content-Type": "text/plain"}, 415),
        "version_missing": ({"Tus-Resumable": ABSENT}, 412),
        "version_wrong": ({"Tus-Resumable": "2.0.0"}, 412),
        "checksum_unknown_algorithm": ({"Upload-Checksum": "crc32 AAAAAA=="}, 400),
        "checksum_not_base64": ({"Upload-Checksum": "sha1 !!!!"}, 400),
        "checksum_wrong_length": ({"Upload-Checksum": f"md5 {b64('x')}"}, 400),
        "checksum_mismatch": ({"Upload-Checksum": digest("sha1", body + b"!")}, 460),
    }


def test_refused_patches_change_nothing(app: Flask, tus: Tus, started: str) -> None:
    body = b"0123456789"
    for case, (headers, status) in patch_cases(body).items():
        with labelled(case), nothing_left_behind(app):
            merged = {"Upload-Offset": "1", "Content-Type": OCTETS, **headers}
            check_refusal(tus.send("PATCH", started, merged, data=body), status)
    with nothing_left_behind(app):
        too_long = tus.patch(started, 1, b"y" * 1000)
    check_refusal(too_long, 413)
    assert tus.head(started).headers["Upload-Offset"] == "1"


def test_valid_but_unusual_patches_are_accepted(tus: Tus, started: str) -> None:
    with_parameter = tus.patch(started, 1, b"ab", **{"Content-Type": f"{OCTETS}; charset=x"})
    assert with_parameter.status_code == 204
    checked = tus.patch(started, 3, b"cd", **{"Upload-Checksum": digest("SHA256", b"cd")})
    assert checked.status_code == 204
    assert tus.head(started).headers["Upload-Offset"] == "5"


def sometimes(valid: st.SearchStrategy[str], *others: st.SearchStrategy[str | None]) -> Any:
    """Mostly ``valid`` (so requests get past the first check); otherwise one of ``others``
    (None leaves the header out)."""
    other = st.one_of(*others)
    return st.integers(0, 3).flatmap(lambda pick: other if pick == 3 else valid)


numbers = st.integers(-5, 2000).map(str) | header_text(["0", "1", "9", "-", "+", " ", HUGE], 4)
metadata = st.dictionaries(
    st.sampled_from(["filename", "filetype", "title", "x"]), st.text(max_size=12)
).map(lambda items: ",".join(f"{key} {b64(value)}" for key, value in items.items()))
checksums = header_text(["sha1 ", "md5 ", "sha512 ", "crc32 ", "YQ==", "=", " "], 4)
creation_headers = st.fixed_dictionaries(
    {
        "Upload-Length": sometimes(st.integers(0, 2000).map(str), numbers, st.none()),
        "Upload-Metadata": sometimes(metadata, header_text(["filename", " ", ",", "YQ==", "!"])),
        "Upload-Checksum": st.none() | checksums,
        "Upload-Defer-Length": st.sampled_from([None, None, None, "1"]),
        "Content-Type": st.sampled_from([None, OCTETS, OCTETS, "text/plain", OCTETS + ";x=1"]),
        "Tus-Resumable": sometimes(st.just("1.0.0"), st.sampled_from(["0.2.2", "", None])),
    }
)


@pytest.mark.parametrize("settings_overrides", [{"rate_limits": False, "max_upload_bytes": 1500}])
@corpus_settings(max_examples=80)
@given(headers=creation_headers, body=st.binary(max_size=24))
def test_any_creation_is_accepted_or_refused_cleanly(
    app: Flask, tus: Tus, headers: dict[str, str | None], body: bytes
) -> None:
    before = snapshot(app)
    response = tus.send("POST", "/api/uploads/", headers, data=body)
    event(f"status {response.status_code}")
    assert response.status_code == 201 or 400 <= response.status_code < 500
    assert response.headers["Tus-Resumable"] == "1.0.0"
    if response.status_code != 201:
        assert not changes(before, snapshot(app))
        return
    assert len(changes(before, snapshot(app))["uploads"]["added"]) == 1
    assert tus.delete(response.headers["Location"]).status_code == 204
    assert not changes(before, snapshot(app))


patch_headers = st.fixed_dictionaries(
    {
        # "current", "valid" and "mismatched" are filled in once the upload's offset is known.
        "Upload-Offset": sometimes(st.just("current"), numbers, st.none()),
        "Content-Type": sometimes(
            st.just(OCTETS), st.sampled_from([None, "text/plain", OCTETS + "; a=b"])
        ),
        "Upload-Checksum": st.sampled_from([None, None, "valid", "mismatched"]) | checksums,
        "Tus-Resumable": sometimes(st.just("1.0.0"), st.sampled_from(["1.0.1", "", None])),
    }
)


@corpus_settings(max_examples=80)
@given(headers=patch_headers, body=st.binary(min_size=1, max_size=8))
def test_any_patch_appends_exactly_or_changes_nothing(
    app: Flask, tus: Tus, started: str, headers: dict[str, str | None], body: bytes
) -> None:
    offset = int(tus.head(started).headers["Upload-Offset"])
    placeholders = {
        "current": str(offset),
        "valid": digest("sha1", body),
        "mismatched": digest("md5", b"another body"),
    }
    headers = {name: placeholders.get(value or "", value) for name, value in headers.items()}
    partial = partial_path(current.settings(app), started.rsplit("/", 1)[1])
    before, stored = snapshot(app), partial.read_bytes()
    response = tus.send("PATCH", started, headers, data=body)
    event(f"status {response.status_code}")
    assert response.status_code == 204 or 400 <= response.status_code < 500
    now = int(tus.head(started).headers["Upload-Offset"])
    if response.status_code == 204:
        assert now == offset + len(body) == int(response.headers["Upload-Offset"])
        assert partial.read_bytes() == stored + body
    else:
        assert now == offset
        assert partial.read_bytes() == stored
        assert not changes(before, snapshot(app))
