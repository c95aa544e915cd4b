"""Log output: readable lines by default, one JSON object per line on request.

``VIDSTREAM_LOG_FORMAT=json`` suits log collectors: each record carries its time,
level, logger name and message as fields, plus any ``extra=`` values.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")


def log_formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``log_format`` ("text" or "json")."""
    if log_format == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: str) -> None:
    """Log INFO and above to stderr, unless logging was already set up by someone else.

    JSON is also applied to handlers already present (gunicorn's error log included),
    so every line the process writes has the same shape.
    """
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
        root.handlers[0].setFormatter(log_formatter(log_format))
    elif log_format == "json":
        for handler in root.handlers:
            handler.setFormatter(log_formatter(log_format))
