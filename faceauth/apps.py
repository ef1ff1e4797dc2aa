from django.apps import AppConfig


class FaceauthConfig(AppConfig):
    name = "faceauth"
    verbose_name = "Face authentication"

    def ready(self):
        from . import checks  # noqa: F401  (registers the key check)
