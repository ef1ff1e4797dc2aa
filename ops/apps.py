from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What operators read: health, readiness and metrics. It sits on top of the
    other apps (it reads their models); none of them imports it."""

    name = "ops"
    verbose_name = "Operations"
