"""How large a request body may be: small for everyone, large only for known uploaders.

Werkzeug parses (and, on the upload service, stages to disk) a form body before any
view runs, whenever a hook or a view first reads ``request.form``; the CSRF check does
so on every form route, sign-in included. So the app-wide limit is the size of a
form, and the upload routes raise it for one request once they know who is sending.
"""

from __future__ import annotations

from flask import request

from vidstream import current

# Forms, JSON calls and sign-in need a few kilobytes; 1 MiB leaves ample room.
FORM_BODY_BYTES = 1024 * 1024
# The multipart envelope (boundaries, headers, small fields) around an uploaded file;
# the exact file size is checked again once the body has been received.
UPLOAD_ENVELOPE_BYTES = 1024 * 1024


def allow_upload_body() -> None:
    """Let this request's body be as large as an upload may be (call once signed in)."""
    request.max_content_length = current.settings().max_upload_bytes + UPLOAD_ENVELOPE_BYTES
