"""Stream service: the library, the player, media bytes and the video API."""

from flask import Blueprint

from vidstream.web.representations import processing_json

bp = Blueprint("stream", __name__)
# Pages show each video's processing state the way the API reports it.
bp.add_app_template_global(processing_json, "processing")

from vidstream.services.stream import (  # noqa: E402,F401  (registers the views)
    api,
    beacon,
    caption_api,
    collection_api,
    collection_pages,
    manage,
    media,
    position_api,
    public_pages,
    routes,
    share_pages,
    stats_api,
    stats_pages,
)
