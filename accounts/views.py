from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from . import throttle, tokens
from .exceptions import TooManyAttempts
from .forms import LoginForm, SignUpForm, ThrottledPasswordChangeForm
from .mixins import NextUrlMixin
from .selectors import tokens_of
from .signup import signup_confirm, signup_request, signup_user


def _too_many(response, retry_after: int):
    """`response` (the form again, with the message) as 429 Too Many Requests."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


class SignUpView(NextUrlMixin, FormView):
    template_name = "registration/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("shop:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        try:
            throttle.signup_check(
                email=email, address=throttle.client_address(self.request)
            )
        except TooManyAttempts as refused:
            form.add_error(None, str(refused))
            return _too_many(self.form_invalid(form), refused.retry_after)
        signup_request(
            username=form.cleaned_data["username"],
            email=email,
            password=form.cleaned_data["password1"],
            site_url=self.request.build_absolute_uri("/").rstrip("/"),
            next_url=self.next_url() or "",
        )
        # The same answer whether or not the address has an account.
        return redirect("signup_done")

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url() or "", **kwargs)


class LoginView(auth_views.LoginView):
    """Django's login, throttled per username and per address (accounts/throttle.py)."""

    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            return _too_many(response, form.retry_after)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled per address and per email address."""

    def form_valid(self, form):
        try:
            throttle.password_reset_check(
                email=form.cleaned_data["email"],
                address=throttle.client_address(self.request),
            )
        except TooManyAttempts as refused:
            form.add_error(None, str(refused))
            return _too_many(self.form_invalid(form), refused.retry_after)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, with the old password throttled like a login."""

    form_class = ThrottledPasswordChangeForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset confirmation; a new password set through the emailed link
    lifts the account's password locks (accounts/throttle.py)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.password_reset_done(
            user=form.user, address=throttle.client_address(self.request)
        )
        return response


class AccountView(LoginRequiredMixin, TemplateView):
    """The account page: the password, the API tokens, signing out everywhere."""

    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tokens=tokens_of(self.request.user),
            token_days=settings.API_TOKEN_DAYS,
            **kwargs,
        )


class TokenRevokeView(LoginRequiredMixin, View):
    """Revoke one of one's own API tokens."""

    def post(self, request, pk):
        if tokens.token_revoke(user=request.user, token_id=pk):
            messages.success(request, _("The token was revoked."))
        else:  # another user's, or already ended: the same words either way
            messages.info(request, _("That token had already ended."))
        return redirect("account")


class SignOutEverywhereView(LoginRequiredMixin, View):
    """End every other session of the user and revoke all their API tokens."""

    def post(self, request):
        tokens.sign_out_everywhere(
            user=request.user, keep_session_key=request.session.session_key
        )
        messages.success(
            request,
            _("You were signed out everywhere else, and your API tokens revoked."),
        )
        return redirect("account")


class SignUpDoneView(TemplateView):
    template_name = "registration/signup_done.html"


class SignUpConfirmView(NextUrlMixin, View):
    """The link of the sign-up e-mail: a button to confirm (a mail scanner's visit
    does nothing), then the account opens and its owner is signed in."""

    template_name = "registration/signup_confirm.html"

    def get(self, request, uidb64, token):
        user = signup_user(uidb64, token)
        return render(
            request,
            self.template_name,
            {"valid": user is not None, "next": self.next_url() or ""},
        )

    def post(self, request, uidb64, token):
        user = signup_user(uidb64, token)
        if user is None or not signup_confirm(user=user):
            return render(request, self.template_name, {"valid": False}, status=400)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome to SmilePay, %(username)s!") % {"username": user.username},
        )
        return redirect(self.next_url() or "shop:home")
