"""``python -m bench range``: 1 MiB ranges from vidstream, nginx and a naive Flask view."""
