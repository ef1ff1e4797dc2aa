from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    UserCreationForm,
)
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from . import throttle
from .exceptions import TooManyAttempts
from .signup import signup_remind, signup_unconfirmed


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email"), help_text=_("For order receipts and password resets.")
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        # Whether an account has this address is never said here: accounts/signup.py.
        return self.cleaned_data["email"].strip()


class ThrottledLoginMixin:
    """Count the attempt before the password check; refuse a locked username or
    address, or one with its limit's worth of checks already failed or under way.

    For Django's authentication forms (they carry the request); `retry_after` holds
    the seconds to wait once the form was refused that way (error code "throttled").
    """

    retry_after: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        address = throttle.client_address(self.request)
        try:
            with throttle.login_attempt(username=username, address=address) as attempt:
                try:
                    cleaned_data = super().clean()
                except forms.ValidationError as error:
                    # The admin's form also says "invalid_login" to a shopper who
                    # gave the right password: only a wrong password counts.
                    wrong = getattr(self, "user_cache", None) is None
                    if getattr(error, "code", None) == "invalid_login" and wrong:
                        attempt.fail()
                    raise
                if self.get_user() is not None:  # else no password was checked
                    attempt.succeed()
        except TooManyAttempts as refused:
            self.retry_after = refused.retry_after
            raise forms.ValidationError(str(refused), code="throttled") from None
        return cleaned_data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's login form (/accounts/login/)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "This account is not confirmed yet. We e-mailed you its link: open it "
            "to confirm the account, then you are signed in."
        ),
    }

    def get_invalid_login_error(self):
        # The right password of an account still waiting for its confirmation:
        # say so (only its owner learns it), mail the link again (throttled as
        # sign-ups are), and count no failure.
        user = signup_unconfirmed(
            username=self.cleaned_data.get("username"),
            password=self.cleaned_data.get("password"),
        )
        if user is None:
            return super().get_invalid_login_error()
        try:
            throttle.signup_check(
                email=user.email, address=throttle.client_address(self.request)
            )
        except TooManyAttempts:
            pass  # the links already sent still work
        else:
            site_url = self.request.build_absolute_uri("/").rstrip("/")
            signup_remind(user=user, site_url=site_url)
        return forms.ValidationError(
            self.error_messages["unconfirmed"], code="unconfirmed"
        )


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (/admin/login/), sharing the site's counts."""


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change; the old password counts towards the same lock as
    the login form, so a stolen session cannot guess it here instead."""

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            right = throttle.password_check(user=self.user, password=old_password)
        except TooManyAttempts as refused:
            raise forms.ValidationError(str(refused), code="throttled") from None
        if not right:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
