"""A spy on the upload service's staging of form file parts to disk."""

from __future__ import annotations

from typing import Any

import pytest

from vidstream.services.upload.staging import StagedUploadRequest

TWO_MIB = 2 * 1024 * 1024


@pytest.fixture
def staged_parts(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The file names of every form part the upload service began staging to disk."""
    seen: list[str | None] = []
    original = StagedUploadRequest._get_file_stream

    def spy(self: StagedUploadRequest, *args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("filename"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StagedUploadRequest, "_get_file_stream", spy)
    return seen
