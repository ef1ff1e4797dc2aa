"""The Celery application: tasks are found in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("smilepay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="config.close_old_connections_before")
@task_postrun.connect(dispatch_uid="config.close_old_connections_after")
def close_old_connections(sender=None, **kwargs):
    """Treat each task like a request: close connections older than CONN_MAX_AGE
    or broken, keep the others (CELERY_DB_REUSE_MAX stops Celery closing them all).
    A task run in-process (apply(), eager) shares its caller's connection: left alone."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
