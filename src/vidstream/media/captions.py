"""Caption files people send, turned into WebVTT that is safe to serve.

SRT, WebVTT and ASS/SSA are read with pysubs2 (docs/decisions.md); everything is
written back out here, cue by cue, rather than by the library, so that what is
stored is always the same narrow WebVTT whatever came in:

* **Text encodings**: UTF-8 (with or without a byte order mark), UTF-16 with a byte
  order mark, and otherwise Windows-1252, which older SRT files use. Text with NUL or
  other control characters is a binary file, refused.
* **Cue text is inert**: italics, bold and underline are kept (as ``<i>``, ``<b>``,
  ``<u>``, the WebVTT spans a player styles); every other tag pysubs2 leaves is
  dropped, and what remains is text, with ``&``, ``<`` and ``>`` escaped. So a cue
  that says ``<script>`` shows those characters and a player never sees markup.
* **Timings** must be possible: a cue that ends before it starts, starts before zero
  or lies beyond :data:`MAX_CUE_MS` is refused with its number; a cue of no length
  or no text is left out; and a file with no cue left is refused.

Nothing here knows of Flask or the database: refusals are :class:`CaptionRejected`
with the HTTP status the web layer answers (415 for what is not a caption file at
all, 422 for one that is but cannot be used).
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from typing import Any

import pysubs2
from pysubs2.exceptions import FormatAutodetectionError

from vidstream.storage import ObjectNotFound, Storage

# What the formats are called by pysubs2's detection, and which of them are accepted.
ACCEPTED_FORMATS = {"srt": "SRT", "vtt": "WebVTT", "ass": "ASS", "ssa": "SSA"}
MAX_CUE_MS = 99 * 3600 * 1000  # the most a two-digit hour field holds
MAX_CUES = 20000
NOT_TEXT = (
    "This is not a caption file: send SRT, WebVTT or ASS/SSA text in UTF-8, UTF-16 "
    "(with a byte order mark) or Windows-1252."
)
# C0 controls other than tab, line feed, carriage return and form feed.
BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# WebVTT blocks that are not cues: comments, style sheets, regions.
NOT_CUE_BLOCK = re.compile(r"(NOTE|STYLE|REGION)(\s|$)")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
# In ASS text: an override block, a hard line break, a soft one, a hard space.
ASS_TOKEN = re.compile(r"(\{[^}]*\})|\\N|\\n|\\h")
ASS_TAG = re.compile(r"\\(i|b|u|p)(-?[0-9]+)|\\r")
# WebVTT's karaoke timestamps (<00:01.500>), which pysubs2 leaves in the text.
TIMESTAMP_TAG = re.compile(r"<[0-9:.]+>")
SPANS = ("i", "b", "u")


class CaptionRejected(ValueError):
    """A caption file that cannot be used; ``status`` is the HTTP answer for it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class WebVTT:
    """A caption file as it is stored: the WebVTT text, its cues, and the format it was."""

    text: str
    cues: int
    source_format: str


def decode_text(data: bytes) -> str:
    """The text of a caption file in one of the accepted encodings (module notes)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise CaptionRejected(415, NOT_TEXT) from None
    if BINARY.search(text):
        raise CaptionRejected(415, NOT_TEXT)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str) -> str:
    """pysubs2's name for the format of ``text``, when it is one accepted here; else 415."""
    try:
        found = pysubs2.formats.autodetect_format(text)
    except FormatAutodetectionError:
        found = None
    if found not in ACCEPTED_FORMATS:
        raise CaptionRejected(415, NOT_TEXT)
    return str(found)


def without_vtt_blocks(text: str) -> str:
    """WebVTT text without its NOTE, STYLE and REGION blocks (pysubs2 would take them
    for the text of the cue before)."""
    blocks = BLANK_LINE.split(text)
    return "\n\n".join(block for block in blocks if not NOT_CUE_BLOCK.match(block.strip()))


def to_webvtt(data: bytes) -> WebVTT:
    """The caption file ``data`` as safe WebVTT; :class:`CaptionRejected` when it cannot be."""
    text = decode_text(data)
    if not text.strip():
        raise CaptionRejected(422, "The caption file is empty.")
    found = detect_format(text)
    if found == "vtt":
        text = without_vtt_blocks(text)
    try:
        parsed = pysubs2.SSAFile.from_string(text, format_=found)
    # Whatever the library raises on a malformed file is about the file, not about us.
    except Exception:
        message = f"This {ACCEPTED_FORMATS[found]} file could not be read: it is malformed."
        raise CaptionRejected(422, message) from None
    cues = timed_cues(parsed.events)
    if not cues:
        raise CaptionRejected(422, "The caption file has no cues with text in it.")
    if len(cues) > MAX_CUES:
        raise CaptionRejected(422, f"The caption file has more than {MAX_CUES} cues.")
    return WebVTT(write_webvtt(cues), len(cues), found)


Cue = tuple[int, int, str]


def timed_cues(events: list[Any]) -> list[Cue]:
    """(start, end, WebVTT cue text) of each event that shows text, in time order."""
    cues: list[Cue] = []
    for number, event in enumerate(events, start=1):
        if event.is_comment:
            continue
        start, end = int(event.start), int(event.end)
        if start < 0 or end < start or end > MAX_CUE_MS:
            raise CaptionRejected(422, f"Cue {number} has impossible times ({start} to {end} ms).")
        body = cue_text(event.text)
        if body and end > start:
            cues.append((start, end, body))
    return sorted(cues, key=lambda cue: (cue[0], cue[1]))


def timestamp(ms: int) -> str:
    """``HH:MM:SS.mmm``, as WebVTT writes a time."""
    seconds, ms = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}"


def write_webvtt(cues: list[Cue]) -> str:
    """The WebVTT file of ``cues``: the header, then each cue's timing line and text."""
    blocks = ["WEBVTT"]
    blocks += [f"{timestamp(start)} --> {timestamp(end)}\n{body}" for start, end, body in cues]
    return "\n\n".join(blocks) + "\n"


def spoken_text(webvtt: str) -> str:
    """The words of a WebVTT file this module wrote, for the search index: no header,
    timings or spans, entities read back."""
    lines = [
        line for line in webvtt.splitlines() if line and line != "WEBVTT" and " --> " not in line
    ]
    return html.unescape(re.sub(r"</?[ibu]>", "", " ".join(lines)))


def stored_spoken_text(storage: Storage, keys: list[str], fresh: dict[str, str]) -> str:
    """The words of the caption files at ``keys``: from ``fresh`` (key: WebVTT just
    made) where given, else read from ``storage`` (a file that is gone counts as empty)."""
    texts = []
    for key in keys:
        webvtt = fresh.get(key)
        if webvtt is None:
            try:
                with storage.open(key) as fh:
                    webvtt = fh.read().decode("utf-8", "replace")
            except ObjectNotFound:
                webvtt = ""
        texts.append(spoken_text(webvtt))
    return " ".join(texts)


Run = tuple[str, frozenset[str]]


def styled_runs(ass_text: str) -> list[Run]:
    """ASS event text as runs of plain text, each with the spans (i, b, u) it is in.

    Override blocks set or clear the spans and are otherwise dropped; text drawn as
    vector shapes (``\\p1`` until ``\\p0``) is not text and goes too.
    """
    runs: list[Run] = []
    spans: set[str] = set()
    drawing = False
    at = 0
    for token in ASS_TOKEN.finditer(ass_text):
        if not drawing and token.start() > at:
            runs.append((ass_text[at : token.start()], frozenset(spans)))
        at = token.end()
        if token.group(1) is None:
            if not drawing:
                runs.append(("\n" if token.group() == "\\N" else " ", frozenset(spans)))
            continue
        for tag in ASS_TAG.finditer(token.group(1)):
            name, value = tag.group(1), tag.group(2)
            if name is None:
                spans.clear()
            elif name == "p":
                drawing = value != "0"
            elif value in ("0", "1") or (name == "b" and int(value) >= 600):
                (spans.add if value != "0" else spans.discard)(name)
    if not drawing and at < len(ass_text):
        runs.append((ass_text[at:], frozenset(spans)))
    return runs


def inert(text: str) -> str:
    """Plain text for a WebVTT cue: karaoke timestamps dropped, entities read, then
    ``&``, ``<`` and ``>`` escaped so nothing in it is markup."""
    text = html.unescape(TIMESTAMP_TAG.sub("", text)).replace("\xa0", " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cue_text(ass_text: str) -> str:
    """An event's text as WebVTT cue text: kept spans, escaped text, no blank lines."""
    lines: list[list[Run]] = [[]]
    for text, spans in styled_runs(ass_text):
        parts = text.split("\n")
        for index, part in enumerate(parts):
            if index:
                lines.append([])
            if part:
                lines[-1].append((part, spans))
    rendered = [render_line(line) for line in lines]
    return "\n".join(line for line in rendered if line)


def render_line(runs: list[Run]) -> str:
    """One line of cue text, each run wrapped in its spans; empty when nothing shows."""
    if not "".join(inert(text) for text, _ in runs).strip():
        return ""
    out = []
    for text, spans in runs:
        opened = [name for name in SPANS if name in spans]
        out.append("".join(f"<{name}>" for name in opened))
        out.append(inert(text))
        out.append("".join(f"</{name}>" for name in reversed(opened)))
    return "".join(out).strip()
