"""Background processing: the Celery app, its tasks, the pipeline they run, the worker."""
