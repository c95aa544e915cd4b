"""Stream service: the library, the player, media bytes and the video API."""

from flask import Blueprint

bp = Blueprint("stream", __name__)

from vidstream.services.stream import api, routes  # noqa: E402,F401  (registers the views)
