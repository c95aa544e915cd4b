"""Publishing the HLS ladder while the one encode that makes it still runs.

ffmpeg writes each media playlist (type EVENT) anew, whole, after every segment. On
each progress report the publisher stores the segments that appeared since the last
one, then a snapshot of the playlist that lists exactly those, so storage never
names a segment it does not hold. Once every rendition (and the shared audio) has a
segment, it stores a master playlist whose bandwidths are the rungs' ceilings and
records the renditions, and the stream service starts serving the ladder to whoever
may watch the video. When the encode is done, :meth:`LadderPublisher.finish` stores
the rest, each playlist as VOD, and the master with measured bandwidths.
"""

from __future__ import annotations

import time
from pathlib import Path

from vidstream.jobs import records
from vidstream.jobs.context import Job
from vidstream.media.hls import INIT, MASTER, PLAYLIST, as_vod, folders, master_playlist
from vidstream.media.ladder import Rendition
from vidstream.models.video import hls_key

# Seconds between looks at the output folder (progress comes about twice a second).
POLL_SECONDS = 1.0


class LadderPublisher:
    """Stores a growing ladder from ``out`` into the video's HLS prefix, segment by segment."""

    def __init__(self, job: Job, out: Path, ladder: list[Rendition], has_audio: bool) -> None:
        self.job, self.out, self.ladder, self.has_audio = job, out, ladder, has_audio
        self.names = folders(ladder, has_audio)
        self.sent: dict[str, set[str]] = {name: set() for name in self.names}
        self.announced = False
        self._last_look = 0.0

    def _put(self, path: Path, *parts: str) -> None:
        self.job.storage.put_file(hls_key(self.job.facts.public_id, *parts), path)

    def poll(self) -> None:
        """Store what is new; announce the ladder once every rendition can start playing."""
        now = time.monotonic()
        if now - self._last_look < POLL_SECONDS:
            return
        self._last_look = now
        for name in self.names:
            self._publish(name, final=False)
        if not self.announced and all(self.sent.values()):
            self._store_master(final=False)
            records.publish_renditions(self.job.facts, self.names)
            self.announced = True

    def _publish(self, name: str, *, final: bool) -> None:
        folder = self.out / name
        try:
            text = (folder / PLAYLIST).read_text()
        except FileNotFoundError:
            return
        listed = [line for line in text.splitlines() if line and not line.startswith("#")]
        new = [segment for segment in listed if segment not in self.sent[name]]
        if not new and not final:
            return
        # With temp_file, ffmpeg renames a segment into place before it lists it; a
        # playlist naming a file that is not there yet is left for the next look.
        if any(not (folder / segment).exists() for segment in new) or not (folder / INIT).exists():
            return
        for segment in ([INIT] if not self.sent[name] else []) + new:
            self._put(folder / segment, name, segment)
        snapshot = folder / ".published.m3u8"
        snapshot.write_text(as_vod(text) if final else text)
        self._put(snapshot, name, PLAYLIST)
        self.sent[name].update(new)

    def _store_master(self, *, final: bool) -> None:
        master = self.out / (MASTER if final else ".growing-master.m3u8")
        master.write_text(master_playlist(self.out, self.ladder, self.has_audio, final=final))
        self._put(master, MASTER)

    def finish(self) -> None:
        """Store every remaining segment, the playlists as VOD, then the final master."""
        for name in self.names:
            self._publish(name, final=True)
        self._store_master(final=True)

    def restart(self) -> None:
        """Forget everything published (an encode starting over): withdraw it, delete it."""
        records.withdraw_renditions(self.job.facts)
        self.job.storage.delete_prefix(hls_key(self.job.facts.public_id) + "/")
        self.sent = {name: set() for name in self.names}
        self.announced = False
