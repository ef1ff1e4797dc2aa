from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib import admin

        from .forms import AdminLoginForm

        # The admin's own login page is throttled like the site's (accounts/throttle.py).
        admin.site.login_form = AdminLoginForm
