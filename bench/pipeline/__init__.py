"""``python -m bench pipeline``: the media pipeline against the bare ffmpeg commands."""
