from django.urls import path

from . import views

app_name = "faceauth"

urlpatterns = [
    path("", views.FaceSettingsView.as_view(), name="settings"),
    path("consent/", views.FaceConsentView.as_view(), name="consent"),
    path(
        "confirm-password/",
        views.FacePasswordView.as_view(),
        name="confirm_password",
    ),
    path("enrol/", views.FaceEnrollView.as_view(), name="enrol"),
    path("enrol/check/", views.FaceEnrollCheckView.as_view(), name="enrol_check"),
    path("forget/", views.FaceForgetView.as_view(), name="forget"),
    path(
        "attempts/<uuid:attempt_id>/",
        views.AttemptStatusView.as_view(),
        name="attempt_status",
    ),
]
