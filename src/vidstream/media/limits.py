"""Limits every decoder of user media runs under, in the upload probe and in the worker.

A file's headers choose how much a decoder allocates: a track that claims 16000x16000
pixels makes it allocate frames of that size, whatever the frames really hold. So the
same pixel ceiling is given to every decoder (PyAV and each ffmpeg), decoders get a
bounded number of threads, and each ffmpeg a memory ceiling of its own, so that one
hostile file costs one failed video rather than the machine.
"""

from __future__ import annotations

# The largest frame accepted (a little over 8K on both sides).
MAX_PIXELS = 8192 * 8192
# Decoder threads per decode; encoders choose their own.
DECODER_THREADS = 4
# Writable private memory one ffmpeg may map (RLIMIT_DATA): a 1080p ladder needs well
# under half of it.
FFMPEG_MEMORY_BYTES = 4 * 1024 * 1024 * 1024
# ffmpeg reads the playable MP4 only as this demuxer, and only from local files; an
# upload's own container is named from the probe (media/containers.py has the list).
INPUT_FORMAT = "mp4"
PROTOCOLS = "file,pipe"
# The upload probe's limits: bytes and time the demuxer may spend finding the streams,
# seconds it may wait on one read, and packets read looking for one decodable frame.
PROBE_BYTES = 20_000_000
PROBE_SECONDS = 15.0
PROBE_PACKETS = 300
