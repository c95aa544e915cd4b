"""The Celery app, wired the way Flask's own Celery pattern does it.

Every task runs inside an app context of the Flask app that created the Celery app,
so the pipeline uses the same database session, storage and settings as the web
services. The broker is Redis when ``VIDSTREAM_REDIS_URL`` is set; otherwise it is
Kombu's SQLAlchemy transport on a SQLite file in the data directory: durable (each
message is a committed row) and shared by every process on the host, and it hands
each message to exactly one consumer (``BEGIN IMMEDIATE`` around the read).
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from vidstream import current
from vidstream.config import Settings

PREPARE_QUEUE = "prepare"
RENDER_QUEUE = "render"
QUEUES = (PREPARE_QUEUE, RENDER_QUEUE)


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings for vidstream's jobs: late acks, no results, bounded run time."""
    transport: dict[str, Any] = {}
    if settings.redis_url:
        # Every key the queue uses carries the deployment's prefix, like the cache's do.
        transport["global_keyprefix"] = settings.redis_prefix
    return {
        "broker_url": settings.broker_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_default_queue": RENDER_QUEUE,
        "task_routes": {
            "vidstream.prepare_video": {"queue": PREPARE_QUEUE},
            "vidstream.render_video": {"queue": RENDER_QUEUE},
        },
        "task_soft_time_limit": settings.job_time_limit_seconds,
        "task_time_limit": settings.job_time_limit_seconds + 60,
        # A broker outage must not hold an upload request for long: the start-up sweep
        # enqueues anything whose message was never sent.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0.2,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "worker_enable_remote_control": bool(settings.redis_url),
    }


def init_celery(app: Flask) -> Celery:
    """Create the Celery app for ``app``; it is reached as ``current.celery()``."""

    class FlaskTask(Task):  # type: ignore[type-arg]
        """A task that runs inside an application context."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    settings = current.settings(app)
    celery_app: Celery = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(settings))
    celery_app.set_default()
    current.install_celery(app, celery_app)
    return celery_app
