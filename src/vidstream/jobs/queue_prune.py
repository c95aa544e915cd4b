"""Keeping the embedded job queue's file small.

Kombu's SQLAlchemy transport marks a delivered message invisible instead of deleting
it, so without pruning ``data/queue.db`` grows with every job. A delivered message is
never read again (a video whose worker died is found by the sweep from its database
row, not from the queue), so each sweep deletes the ones delivered more than a day ago.
Only the embedded queue needs this; with Redis as the broker a delivered message is gone.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

log = logging.getLogger(__name__)

EMBEDDED_SCHEME = "sqla+"
# Kombu's default table name and its column for the time a message last changed.
MESSAGES = sa.table(
    "kombu_message",
    sa.column("visible", sa.Boolean),
    sa.column("timestamp", sa.DateTime),
)
KEEP_DELIVERED = timedelta(days=1)


def prune_delivered_messages(broker_url: str, keep: timedelta = KEEP_DELIVERED) -> int:
    """Delete messages of the embedded queue delivered longer than ``keep`` ago."""
    if not broker_url.startswith(EMBEDDED_SCHEME):
        return 0
    engine = sa.create_engine(broker_url.removeprefix(EMBEDDED_SCHEME))
    # Kombu stamps messages with the local wall-clock time (naive), so compare likewise.
    cutoff = datetime.now() - keep
    try:
        if not sa.inspect(engine).has_table("kombu_message"):
            return 0
        with engine.begin() as conn:
            deleted = conn.execute(
                sa.delete(MESSAGES).where(
                    MESSAGES.c.visible.is_(False), MESSAGES.c.timestamp < cutoff
                )
            ).rowcount
    finally:
        engine.dispose()
    if deleted:
        log.info("queue: pruned %d delivered message(s)", deleted)
    return deleted
