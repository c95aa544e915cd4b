"""Log output: readable lines by default, one JSON object per line on request.

``VIDSTREAM_LOG_FORMAT=json`` suits log collectors: each record carries its time,
level, logger name and message as fields, plus any ``extra=`` values.
``VIDSTREAM_LOG_FILE`` (``dev.py run`` sets it) sends every line to that file and
keeps only warnings and errors on the terminal.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
FILE_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")


def log_formatter(log_format: str) -> logging.Formatter:
    """The formatter for ``log_format`` ("text" or "json")."""
    if log_format == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def file_formatter(log_format: str) -> logging.Formatter:
    """The formatter for the log file: each line with its time and process."""
    return log_formatter(log_format) if log_format == "json" else logging.Formatter(FILE_FORMAT)


def console_for_warnings(log_format: str) -> logging.Handler:
    """A stderr handler that lets only warnings and errors through."""
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(log_formatter(log_format))
    return console


def configure_logging(log_format: str, log_file: Path | None = None) -> None:
    """Log INFO and above to stderr (or to ``log_file``), unless logging was already set up.

    JSON is also applied to handlers already present (gunicorn's error log included),
    so every line the process writes has the same shape.
    """
    root = logging.getLogger()
    if not root.handlers and log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file)
        to_file.setFormatter(file_formatter(log_format))
        root.setLevel(logging.INFO)
        root.addHandler(to_file)
        root.addHandler(console_for_warnings(log_format))
    elif not root.handlers:
        logging.basicConfig(level=logging.INFO)
        root.handlers[0].setFormatter(log_formatter(log_format))
    elif log_format == "json":
        for handler in root.handlers:
            handler.setFormatter(log_formatter(log_format))
