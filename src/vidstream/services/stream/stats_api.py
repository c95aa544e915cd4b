"""Analytics for owners as JSON: a video's figures and the account's.

``GET /api/videos/<id>/stats?from=&to=`` and ``GET /api/stats?from=&to=`` (ISO dates,
UTC, both ends included; the last 30 days by default). Only the owner may ask
(Action.MANAGE); docs/analytics.md defines each figure. The pages (stats_pages.py)
show the same shapes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import jsonify, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from vidstream.analytics.collect import today
from vidstream.analytics.stats import MAX_DAYS, Period, account_period, video_period
from vidstream.analytics.tally import Figures
from vidstream.extensions import db
from vidstream.models import Share, ShareKind, Video
from vidstream.services.stream import bp
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.video_access import managed_video

DEFAULT_DAYS = 30
TOP_VIDEOS = 10


def _date(name: str, default: date) -> date:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise AppError(
            400, f"{name} must be a date like 2026-01-31.", code="invalid_date"
        ) from None


def requested_period() -> tuple[date, date]:
    """The ``from`` and ``to`` of the request (the last 30 days by default)."""
    end = _date("to", today())
    start = _date("from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end or (end - start).days >= MAX_DAYS:
        raise AppError(
            400,
            f"from must not be after to, and at most {MAX_DAYS} days apart.",
            code="invalid_date",
        )
    return start, end


def _seconds(ms: int) -> float:
    return round(ms / 1000, 1)


def figures_json(figures: Figures) -> dict[str, Any]:
    """Views, viewers, watch time and average view duration."""
    return {
        "views": figures.views,
        "unique_viewers": figures.viewers,
        "watch_seconds": _seconds(figures.watch_ms),
        "average_view_seconds": _seconds(figures.watch_ms // figures.views if figures.views else 0),
    }


def daily_json(period: Period) -> list[dict[str, Any]]:
    """One entry per day of the period, days without views included."""
    return [
        {
            "date": day.isoformat(),
            "views": f.views,
            "unique_viewers": f.viewers,
            "watch_seconds": _seconds(f.watch_ms),
        }
        for day, f in period.days()
    ]


def _stamp(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def video_stats_json(video: Video, start: date, end: date) -> dict[str, Any]:
    """A video's figures for the period, with its retention curve and its links'."""
    figures, by_share = video_period(video, start, end)
    total = figures.total
    links = db.session.scalars(
        select(Share)
        .where(Share.video_id == video.id, Share.kind == ShareKind.LINK)
        .order_by(Share.created_at.desc(), Share.id.desc())
    )
    shares = []
    for share in links:
        f = by_share.parts.get(share.id, Figures())
        shares.append(
            {
                "id": share.public_id,
                "label": share.label,
                "revoked": share.revoked_at is not None,
                "opens": share.opens,
                **figures_json(f),
                "last_opened_at": _stamp(share.last_opened_at),
                "last_seen_at": _stamp(f.last_seen),
            }
        )
    views = total.views
    return {
        "id": video.public_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        **figures_json(total),
        "retention": [round(c / views, 4) if views else 0 for c in total.retention],
        "daily": daily_json(figures),
        "shares": shares,
    }


def account_stats_json(owner_id: int, start: date, end: date) -> dict[str, Any]:
    """The account's figures for the period, by day, and its most viewed videos."""
    period = account_period(owner_id, start, end)
    ranked = sorted(period.parts.items(), key=lambda item: (-item[1].views, -item[1].watch_ms))
    top = ranked[:TOP_VIDEOS]
    rows = db.session.execute(
        select(Video.id, Video.public_id, Video.title).where(Video.id.in_([v for v, _ in top]))
    )
    names = {vid: (public_id, title) for vid, public_id, title in rows}
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **figures_json(period.total),
        "daily": daily_json(period),
        "videos": [
            {"id": names[vid][0], "title": names[vid][1], **figures_json(f)}
            for vid, f in top
            if vid in names
        ],
    }


@bp.get("/api/videos/<public_id>/stats")
def api_video_stats(public_id: str) -> Response:
    """A video's views, viewers, watch time, retention, days and share links."""
    video = managed_video(public_id)
    start, end = requested_period()
    return jsonify(video_stats_json(video, start, end))


@bp.get("/api/stats")
def api_account_stats() -> Response:
    """The caller's figures over all their videos."""
    start, end = requested_period()
    return jsonify(account_stats_json(current_user_id() or 0, start, end))
