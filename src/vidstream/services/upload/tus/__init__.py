"""Resumable uploads: the tus 1.0 protocol, its upload records and partial files."""
