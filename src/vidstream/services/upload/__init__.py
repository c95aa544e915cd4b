"""Upload service: receives bytes, validates them, enforces limits, stores them."""

from flask import Blueprint

bp = Blueprint("upload", __name__)

from vidstream.services.upload import routes  # noqa: E402,F401  (registers the views)
from vidstream.services.upload.tus import views as tus_views  # noqa: E402,F401
