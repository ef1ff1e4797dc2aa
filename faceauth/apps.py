from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaceauthConfig(AppConfig):
    name = "faceauth"
    verbose_name = _("Face authentication")

    def ready(self):
        from . import checks  # noqa: F401  (registers the key check)
