"""SQLAlchemy 2.0 typed models."""

from vidstream.models.analytics import (
    AnalyticsDay,
    ShareDailyStats,
    VideoDailyStats,
    WatchRange,
)
from vidstream.models.base import Base
from vidstream.models.share import Share, ShareKind
from vidstream.models.token import AccessToken
from vidstream.models.upload import Upload
from vidstream.models.user import User
from vidstream.models.video import Video, VideoStatus, Visibility
from vidstream.models.video_job import ProcessingStep, VideoJob

__all__ = [
    "AccessToken",
    "AnalyticsDay",
    "Base",
    "ProcessingStep",
    "Share",
    "ShareDailyStats",
    "ShareKind",
    "Upload",
    "User",
    "Video",
    "VideoDailyStats",
    "VideoJob",
    "VideoStatus",
    "Visibility",
    "WatchRange",
]
