"""Text people type that others will see: titles, descriptions, labels.

Control and format characters go (bidi overrides among them, which could make a
title read differently from what it is); line breaks stay where the field allows
them. One place, so every field is cleaned the same way.
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """``text`` without control or format characters (bidi overrides among them), trimmed."""
    return "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()


def clean_text(text: str, limit: int, *, single_line: bool = False) -> str:
    """``text`` cleaned as :func:`printable`, keeping line breaks unless ``single_line``.

    Cut to at most ``limit`` characters.
    """
    if single_line:
        return printable(text)[:limit]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(printable(line) for line in lines).strip()[:limit]
