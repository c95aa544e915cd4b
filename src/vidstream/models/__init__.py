"""SQLAlchemy 2.0 typed models."""

from vidstream.models.analytics import (
    AnalyticsDay,
    ShareDailyStats,
    VideoDailyStats,
    WatchRange,
)
from vidstream.models.audit import AuditEvent
from vidstream.models.base import Base
from vidstream.models.caption import Caption, CaptionSource
from vidstream.models.library import Collection, CollectionItem, VideoTag
from vidstream.models.playback import PlaybackPosition
from vidstream.models.search import VideoSearch
from vidstream.models.second_factor import PasskeyCredential, RecoveryCode, TotpFactor
from vidstream.models.share import Share, ShareKind
from vidstream.models.site import Invitation, SiteSetting
from vidstream.models.token import AccessToken
from vidstream.models.upload import Upload
from vidstream.models.user import Role, User
from vidstream.models.video import Video, VideoStatus, Visibility
from vidstream.models.video_job import ProcessingStep, VideoJob

__all__ = [
    "AccessToken",
    "AnalyticsDay",
    "AuditEvent",
    "Base",
    "Caption",
    "CaptionSource",
    "Collection",
    "CollectionItem",
    "Invitation",
    "PasskeyCredential",
    "PlaybackPosition",
    "ProcessingStep",
    "RecoveryCode",
    "Role",
    "Share",
    "ShareDailyStats",
    "ShareKind",
    "SiteSetting",
    "TotpFactor",
    "Upload",
    "User",
    "Video",
    "VideoDailyStats",
    "VideoJob",
    "VideoSearch",
    "VideoStatus",
    "VideoTag",
    "Visibility",
    "WatchRange",
]
