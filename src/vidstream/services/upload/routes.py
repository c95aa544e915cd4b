"""Upload views: the form page and the form post."""

from __future__ import annotations

from pathlib import Path

from flask import jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from vidstream.extensions import csrf
from vidstream.services.upload import bp
from vidstream.services.upload.forms import UploadForm
from vidstream.services.upload.logic import accept_upload, precheck_request
from vidstream.web.access import current_user_id
from vidstream.web.bodies import allow_upload_body
from vidstream.web.errors import CSRF_FAILED, AppError, wants_json
from vidstream.web.representations import video_json
from vidstream.web.urls import service_url


@bp.get("/upload")
def upload_form() -> str:
    """Show the upload form."""
    return render_template("upload/upload.html", form=UploadForm())


@bp.post("/upload")
@csrf.exempt  # type: ignore[untyped-decorator]
def upload() -> Response | tuple[str | Response, int]:
    """Receive one video file in the field ``filename``; store it, then go to the library.

    The global CSRF check would parse the whole body before the sign-in check; here the
    caller is identified and the declared size checked first (only then may the body be
    larger than a form's), and the form's own CSRF field is validated by
    ``validate_on_submit``.
    """
    precheck_request(current_user_id() or 0, request.content_length)
    allow_upload_body()
    form = UploadForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            raise AppError(400, CSRF_FAILED, code="csrf_failed")
        if wants_json():
            raise AppError(400, "Send one video file in the form field 'filename'.")
        return render_template("upload/upload.html", form=form), 400
    staged = form.filename.data
    staged.stream.flush()
    try:
        video = accept_upload(
            current_user_id() or 0, Path(staged.stream.name), staged.filename, form.title.data
        )
    except AppError as error:
        if wants_json():
            raise
        form.filename.errors = [error.message]
        return render_template("upload/upload.html", form=form), error.status
    if wants_json():
        return jsonify(video=video_json(video)), 201
    return redirect(service_url("stream.library"), code=303)
