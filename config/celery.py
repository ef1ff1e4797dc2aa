"""The Celery application: tasks are found in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

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


@before_task_publish.connect(dispatch_uid="config.log_context_send")
def send_log_context(headers=None, **kwargs):
    """A task carries the request and attempt ids of the work that sent it."""
    from ops.logs import task_headers

    if headers is not None:
        headers.update(task_headers())


@task_prerun.connect(dispatch_uid="config.log_context_enter")
def enter_log_context(task=None, **kwargs):
    from ops.logs import task_context_enter

    if task is not None:
        task_context_enter(task.request)


@task_postrun.connect(dispatch_uid="config.log_context_exit")
def exit_log_context(**kwargs):
    from ops.logs import task_context_exit

    task_context_exit()
