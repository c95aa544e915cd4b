"""SQLAlchemy 2.0 typed models."""

from vidstream.models.base import Base
from vidstream.models.user import User
from vidstream.models.video import Video, VideoStatus

__all__ = ["Base", "User", "Video", "VideoStatus"]
