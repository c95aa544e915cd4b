"""tus 1.0.0 resumable uploads at ``/api/uploads/``: thin views over :mod:`tus_logic`.

Besides the core protocol this server speaks the creation, creation-with-upload,
termination, expiration and checksum extensions. Once an upload is complete, its
HEAD and final PATCH responses also carry ``Upload-Video-Id`` (the new video's id)
and ``Upload-Video-Url`` (its page), so a client can find what it uploaded.
"""

from __future__ import annotations

from datetime import UTC
from typing import cast

from flask import Blueprint, Response, request, url_for
from werkzeug.http import http_date
from werkzeug.wrappers import Response as HTTPResponse

from vidstream import current
from vidstream.extensions import csrf
from vidstream.models import Upload
from vidstream.services.upload import bp
from vidstream.services.upload.read_timeout import limit_reads
from vidstream.services.upload.tus.partial import BodyStream
from vidstream.services.upload.tus.protocol import (
    CHECKSUM_MISMATCH,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    Checksum,
    capability_headers,
    check_content_type,
    check_version,
    encode_metadata,
    parse_checksum,
    parse_metadata,
    parse_size,
)
from vidstream.services.upload.tus.socket_body import SocketBody, socket_body
from vidstream.services.upload.tus.uploads import (
    Chunk,
    create_upload,
    current_offset,
    live_upload,
    receive_chunk,
    terminate_upload,
)
from vidstream.web.access import authenticated_by_token, current_user_id
from vidstream.web.bodies import allow_upload_body
from vidstream.web.errors import AppError
from vidstream.web.paths import PathKind, path_kind
from vidstream.web.urls import service_url

tus_bp = Blueprint("tus", __name__, url_prefix="/api/uploads")
# The global check would answer an anonymous request with a CSRF error instead of 401;
# _check_request below applies it only once a cookie session has identified the caller.
csrf.exempt(tus_bp)


@tus_bp.before_request
def _check_request() -> None:
    """Every request but capability discovery names the protocol version (412); a browser
    session (not a Bearer token) must also send its CSRF token in ``X-CSRFToken``.

    Only a known caller may send a body larger than a form's; the CSRF check below
    already opens the body, so the limit is raised before it."""
    if request.method == "OPTIONS":
        return
    check_version(request.headers.get("Tus-Resumable"))
    if current_user_id() is None:
        return
    allow_upload_body()
    if not authenticated_by_token():
        csrf.protect()


@tus_bp.after_app_request
def _tus_headers(response: Response) -> Response:
    """Every answer under /api/uploads/, errors included, names the protocol version."""
    if path_kind(request.path) is PathKind.UPLOADS:
        response.headers["Tus-Resumable"] = TUS_VERSION
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _progress(status: int, upload: Upload) -> Response:
    """A bodiless answer saying how far the upload is, until when, and what it became."""
    expires = upload.expires_at.replace(tzinfo=UTC)
    response = Response(status=status)
    response.headers["Upload-Offset"] = str(current_offset(upload))
    response.headers["Upload-Length"] = str(upload.length)
    response.headers["Upload-Expires"] = http_date(expires)
    if upload.video_public_id is not None:
        response.headers["Upload-Video-Id"] = upload.video_public_id
        response.headers["Upload-Video-Url"] = service_url(
            "stream.player", public_id=upload.video_public_id
        )
    return response


def _stream(length: int, checksum: Checksum | None) -> BodyStream | SocketBody:
    """The body: socket to file inside the kernel where possible, else werkzeug's stream."""
    if checksum is None:
        direct = socket_body(request.environ, length)
        if direct is not None:
            return direct
    return cast(BodyStream, request.stream)


def _body(offset: int) -> Chunk:
    """The request body as a chunk starting at ``offset`` (411 without a Content-Length)."""
    if request.content_length is None:
        raise AppError(411, "Send the chunk with a Content-Length header.")
    checksum = parse_checksum(request.headers.get("Upload-Checksum"))
    length = request.content_length
    limit_reads(request.environ)
    return Chunk(offset, length, _stream(length, checksum), checksum)


@tus_bp.route("/", methods=["OPTIONS"])
@tus_bp.route("/<upload_id>", methods=["OPTIONS"])
def tus_options(upload_id: str | None = None) -> Response:
    """Capability discovery; needs no sign-in."""
    settings = current.settings()
    return Response(status=204, headers=capability_headers(settings.max_upload_bytes))


@tus_bp.post("/")
def tus_create() -> Response:
    """Create an upload (creation); a body in the same request starts it (creation-with-upload)."""
    if "Upload-Defer-Length" in request.headers:
        raise AppError(400, "Deferred upload lengths are not supported; send Upload-Length.")
    length = parse_size("Upload-Length", request.headers.get("Upload-Length"))
    metadata = parse_metadata(request.headers.get("Upload-Metadata"))
    with_body = (request.content_type or "").startswith(OFFSET_CONTENT_TYPE)
    if not with_body and request.content_length:
        check_content_type(request.content_type)
    chunk = _body(0) if with_body else None
    if chunk is not None and chunk.length > length:
        raise AppError(413, "The body is longer than the Upload-Length it announces.")
    upload = create_upload(current_user_id() or 0, length, metadata)
    location = url_for("upload.tus.tus_head", upload_id=upload.public_id)
    if chunk is not None or length == 0:
        try:
            upload = receive_chunk(upload, chunk or Chunk(0, 0, _stream(0, None)))
        except AppError as error:
            if error.status != CHECKSUM_MISMATCH:
                raise
    response = _progress(201, upload)
    response.headers["Location"] = location
    return response


@tus_bp.route("/<upload_id>", methods=["HEAD"])
def tus_head(upload_id: str) -> Response:
    """How far an upload is (the client resumes from ``Upload-Offset``)."""
    upload = live_upload(upload_id)
    response = _progress(200, upload)
    metadata = encode_metadata(
        {"filename": upload.filename, "filetype": upload.filetype, "title": upload.title}
    )
    if metadata:
        response.headers["Upload-Metadata"] = metadata
    return response


@tus_bp.patch("/<upload_id>")
def tus_patch(upload_id: str) -> Response:
    """Append bytes at ``Upload-Offset``; the last ones make it a video."""
    check_content_type(request.content_type)
    offset = parse_size("Upload-Offset", request.headers.get("Upload-Offset"))
    chunk = _body(offset)
    upload = receive_chunk(live_upload(upload_id), chunk)
    return _progress(204, upload)


@tus_bp.delete("/<upload_id>")
def tus_delete(upload_id: str) -> Response:
    """Cancel an upload and delete its bytes (termination)."""
    terminate_upload(live_upload(upload_id))
    return Response(status=204)


@tus_bp.post("/<upload_id>")
def tus_override(upload_id: str) -> HTTPResponse:
    """``X-HTTP-Method-Override`` for clients that can only send POST."""
    views = {"PATCH": tus_patch, "DELETE": tus_delete, "HEAD": tus_head}
    view = views.get(request.headers.get("X-HTTP-Method-Override", "").strip().upper())
    if view is None:
        raise AppError(405, "Use PATCH, HEAD or DELETE (or X-HTTP-Method-Override) here.")
    return view(upload_id=upload_id)


bp.register_blueprint(tus_bp)
