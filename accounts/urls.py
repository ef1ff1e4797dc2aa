from django.urls import path

from . import views

# Ahead of django.contrib.auth.urls (config/urls.py): these replace its views of the
# same names, and it provides the rest.
urlpatterns = [
    path("", views.AccountView.as_view(), name="account"),
    path(
        "tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"
    ),
    path(
        "sign-out-everywhere/",
        views.SignOutEverywhereView.as_view(),
        name="sign_out_everywhere",
    ),
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("signup/done/", views.SignUpDoneView.as_view(), name="signup_done"),
    path(
        "signup/confirm/<uidb64>/<token>/",
        views.SignUpConfirmView.as_view(),
        name="signup_confirm",
    ),
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password_change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
]
