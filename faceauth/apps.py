from django.apps import AppConfig


class FaceauthConfig(AppConfig):
    name = "faceauth"
    verbose_name = "Face authentication"
