"""Range headers, well-formed or not: always 200, 206 or 416, each with the right bytes.

vidstream's rules (docs/decisions.md, RFC 9110 section 14): a range in another unit,
or a header that does not start with ``bytes=``, is ignored (200, whole file); one
satisfiable byte range is a 206 with exactly its bytes; a ``bytes=`` header that is
malformed, reversed, asks for several ranges or starts past the end is a 416 with
``Content-Range: bytes */<size>``. A suffix longer than the file means the whole file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.support.accounts import AuthActions
from tests.support.corpus import corpus_settings, header_text, labelled

HUGE = "99999999999999999999"


@pytest.fixture
def media(auth: AuthActions, sample_mp4: Path) -> tuple[str, bytes]:
    """The URL of a signed-in user's video, and the bytes it must serve."""
    auth.signup()
    video = auth.upload(sample_mp4, json=True).get_json()["video"]
    return video["urls"]["original"], sample_mp4.read_bytes()


def cases(size: int) -> dict[str, tuple[int, slice | None]]:
    """Range header -> expected status and, for 200/206, the slice of the file sent."""
    return {
        "bytes=0-99": (206, slice(0, 100)),
        "bytes=100-": (206, slice(100, None)),
        "bytes=-500": (206, slice(-500, None)),
        "bytes=0-0": (206, slice(0, 1)),
        f"bytes={size - 1}-{size - 1}": (206, slice(size - 1, size)),
        f"bytes=0-{HUGE}": (206, slice(0, None)),
        f"bytes=-{size}": (206, slice(0, None)),
        f"bytes=-{size + 1}": (206, slice(0, None)),
        f"bytes=-{HUGE}": (206, slice(0, None)),
        "bytes=0000000000000000000000000010-19": (206, slice(10, 20)),
        "Bytes=0-9": (206, slice(0, 10)),
        "BYTES=10-19": (206, slice(10, 20)),
        "bytes=\t0-9": (206, slice(0, 10)),
        "bytes=0-9 ": (206, slice(0, 10)),
        "bytes=500-100": (416, None),
        "bytes=1-0": (416, None),
        "bytes=0-1,5-9": (416, None),
        "bytes=0-9,0-9": (416, None),
        "bytes=0-0,-1": (416, None),
        f"bytes={size}-": (416, None),
        f"bytes={size + 10}-{size + 20}": (416, None),
        f"bytes={HUGE}-": (416, None),
        f"bytes={HUGE}-{HUGE}9": (416, None),
        "bytes=-0": (416, None),
        "bytes=-5-10": (416, None),
        "bytes=--1": (416, None),
        "bytes=-": (416, None),
        "bytes=": (416, None),
        "bytes=abc": (416, None),
        "bytes=0x10-0x20": (416, None),
        "bytes=+1-2": (416, None),
        "bytes=1_0-20": (416, None),
        "bytes=\u0661-\u0662": (416, None),  # Arabic-Indic digits: int() takes them, HTTP not
        "bytes=1e3-2e3": (416, None),
        "items=0-5": (200, slice(0, None)),
        "bits=0-7": (200, slice(0, None)),
        "none": (200, slice(0, None)),
        "0-99": (200, slice(0, None)),
        "bytes 0-99": (200, slice(0, None)),
        "": (200, slice(0, None)),
    }


def check_answer(response: Any, status: int, body: bytes, part: slice | None) -> None:
    """Status, headers and bytes agree with the expected outcome."""
    assert response.status_code == status
    size = len(body)
    if status == 416:
        assert response.headers["Content-Range"] == f"bytes */{size}"
        assert response.get_json()["error"]["message"]
        return
    assert part is not None
    expected = body[part]
    assert response.data == expected
    assert response.headers["Content-Length"] == str(len(expected))
    if status == 200:
        assert "Content-Range" not in response.headers
    else:
        first = part.indices(size)[0]
        last = first + len(expected) - 1
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"


def test_every_range_case(auth: AuthActions, media: tuple[str, bytes]) -> None:
    url, body = media
    for header, (status, part) in cases(len(body)).items():
        with labelled(header):
            response = auth.client.get(url, headers={"Range": header})
            check_answer(response, status, body, part)
            head = auth.client.head(url, headers={"Range": header})
            assert (head.status_code, head.data) == (status, b"")
            assert head.headers.get("Content-Range") == response.headers.get("Content-Range")


# One RFC 9110 byte range, strictly written: first-last, first-, or -suffix.
STRICT_RANGE = re.compile(r"bytes=(?:([0-9]+)-([0-9]*)|-([0-9]+))", re.IGNORECASE)


def rfc_window(header: str, size: int) -> tuple[int, int] | None:
    """What RFC 9110 selects for one strictly written byte range: (first, stop) or None."""
    found = STRICT_RANGE.fullmatch(header)
    assert found is not None
    first, last, suffix = found.groups()
    if suffix is not None:
        length = int(suffix)
        return (max(size - length, 0), size) if length > 0 else None
    start = int(first)
    stop = size if not last else min(int(last) + 1, size)
    if start >= size or (last and int(last) < start):
        return None
    return start, stop


range_headers = header_text(
    ["bytes=", "Bytes=", "items=", "=", "-", ",", " ", "\t", "0", "1", "9", "+", HUGE]
) | st.builds(
    lambda first, last, form: form.format(first, last),
    st.integers(0, 400_000),
    st.integers(0, 400_000),
    st.sampled_from(["bytes={0}-{1}", "bytes={0}-", "bytes=-{0}", "bytes={0}-{1},{1}-"]),
)


@corpus_settings(max_examples=150)
@given(header=range_headers)
def test_any_range_header_gets_200_206_or_416(
    auth: AuthActions, media: tuple[str, bytes], header: str
) -> None:
    url, body = media
    size = len(body)
    response = auth.client.get(url, headers={"Range": header})
    event(f"status {response.status_code}")
    assert response.status_code in (200, 206, 416)
    if response.status_code == 200:
        assert response.data == body
    elif response.status_code == 416:
        assert response.headers["Content-Range"] == f"bytes */{size}"
    else:
        found = re.fullmatch(r"bytes ([0-9]+)-([0-9]+)/([0-9]+)", response.headers["Content-Range"])
        assert found is not None
        first, last, total = map(int, found.groups())
        assert total == size and response.data == body[first : last + 1]
    if STRICT_RANGE.fullmatch(header):
        window = rfc_window(header, size)
        assert response.status_code == (416 if window is None else 206)
        if window is not None:
            assert response.data == body[window[0] : window[1]]
