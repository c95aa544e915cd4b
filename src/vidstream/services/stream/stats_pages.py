"""Analytics pages for owners: a video's stats, the account's, and a CSV export.

``/stream/<id>/stats`` shows a video's totals, views and watch time per day, its
retention curve and a table per share link; ``/stats`` the account's totals, daily
chart and most viewed videos; ``/stream/<id>/stats.csv`` the video's daily figures.
Each chart (static/stats.js, drawing with the vendored uPlot) has a table of the
same numbers beside it, so the page reads without the script, or without sight.
"""

from __future__ import annotations

import csv
import io

from flask import render_template
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.stats_api import (
    account_stats_json,
    requested_period,
    video_stats_json,
)
from vidstream.web.access import current_user_id
from vidstream.web.video_access import managed_video


@bp.get("/stream/<public_id>/stats")
def video_stats(public_id: str) -> str:
    """A video's figures for its owner."""
    video = managed_video(public_id)
    start, end = requested_period()
    stats = video_stats_json(video, start, end)
    return render_template("stream/stats.html", video=video, stats=stats)


@bp.get("/stats")
def account_stats() -> str:
    """The signed-in account's figures over all its videos."""
    start, end = requested_period()
    stats = account_stats_json(current_user_id() or 0, start, end)
    return render_template("stream/account_stats.html", stats=stats)


@bp.get("/stream/<public_id>/stats.csv")
def video_stats_csv(public_id: str) -> Response:
    """The video's daily figures as CSV (date, views, unique viewers, watch seconds)."""
    video = managed_video(public_id)
    start, end = requested_period()
    stats = video_stats_json(video, start, end)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["date", "views", "unique_viewers", "watch_seconds"])
    for day in stats["daily"]:
        writer.writerow([day["date"], day["views"], day["unique_viewers"], day["watch_seconds"]])
    name = f"{video.public_id}-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )
