"""``python -m bench tus``: resumable uploads against ``cp``, and the upload worker's memory."""
