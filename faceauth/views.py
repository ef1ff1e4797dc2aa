import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import NextUrlMixin
from core import throttle as window_throttle

from . import engine
from .exceptions import ConsentRequired, FaceAuthError
from .forms import ConsentForm, EnrollForm, PasswordConfirmForm
from .models import FaceTemplate
from .selectors import attempt_of, consent_active_for, face_enrolment_of
from .services import (
    ENROL_MAX_IMAGES,
    consent_give,
    consent_withdraw,
    enrolment_frame_check,
    face_enroll,
)
from .services.attempts import attempt_expire_if_overdue, attempt_state

logger = logging.getLogger(__name__)

# Enrolling a face lets that face pay from this account: it needs the password again,
# so a borrowed or stolen session cannot put its own face on the account. The
# confirmation holds for a few minutes, in the session.
PASSWORD_CONFIRMED_KEY = "faceauth_password_confirmed_at"
PASSWORD_CONFIRMED_SECONDS = 10 * 60
# The webcam page asks about two frames a second; this leaves room for retries.
CHECKS_PER_MINUTE = 120
ENROLMENTS_PER_HOUR = 20


def _with_next(url: str, next_url: str | None) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class FaceSettingsView(LoginRequiredMixin, TemplateView):
    """The account's face payment section: status, re-enrol, forget."""

    template_name = "faceauth/settings.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            enrolment=face_enrolment_of(self.request.user),
            retention_days=settings.FACEAUTH_RETENTION_DAYS,
            **kwargs,
        )


class FaceConsentView(LoginRequiredMixin, NextUrlMixin, FormView):
    template_name = "faceauth/consent.html"
    form_class = ConsentForm

    def form_valid(self, form):
        consent_give(
            user=self.request.user, ip_address=self.request.META.get("REMOTE_ADDR")
        )
        return redirect(_with_next(reverse("faceauth:enrol"), self.next_url()))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=self.next_url() or "",
            retention_days=settings.FACEAUTH_RETENTION_DAYS,
            already_given=consent_active_for(self.request.user) is not None,
            **kwargs,
        )


def password_recently_confirmed(request) -> bool:
    confirmed_at = request.session.get(PASSWORD_CONFIRMED_KEY)
    return (
        isinstance(confirmed_at, int | float)
        and 0 <= time.time() - confirmed_at <= PASSWORD_CONFIRMED_SECONDS
    )


class FacePasswordView(LoginRequiredMixin, NextUrlMixin, FormView):
    """ "Confirm it's you": the password again before a face is enrolled."""

    template_name = "faceauth/confirm_password.html"
    form_class = PasswordConfirmForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        self.request.session[PASSWORD_CONFIRMED_KEY] = time.time()
        return redirect(self.next_url() or reverse("faceauth:enrol"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url() or "", **kwargs)


class FaceEnrollView(LoginRequiredMixin, NextUrlMixin, FormView):
    """The webcam page (frames checked live, then sent together) or a photo upload."""

    template_name = "faceauth/enrol.html"
    form_class = EnrollForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        if consent_active_for(request.user) is None:
            return redirect(_with_next(reverse("faceauth:consent"), self.next_url()))
        if not password_recently_confirmed(request):
            if request.method == "POST" and self.wants_json():
                return JsonResponse(
                    {
                        "ok": False,
                        "message": _("Confirm your password first, then try again."),
                    },
                    status=403,
                )
            here = _with_next(reverse("faceauth:enrol"), self.next_url())
            return redirect(_with_next(reverse("faceauth:confirm_password"), here))
        return super().dispatch(request, *args, **kwargs)

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def form_valid(self, form):
        user = self.request.user
        if not window_throttle.allow(f"enrol:{user.pk}", ENROLMENTS_PER_HOUR, 3600):
            return self.refuse(form, _("Too many enrolments in the last hour."))
        source = (
            FaceTemplate.Source.WEBCAM
            if form.cleaned_data["from_webcam"]
            else FaceTemplate.Source.UPLOAD
        )
        try:
            face_enroll(user=user, images=form.cleaned_data["images"], source=source)
        except ConsentRequired:
            return redirect(_with_next(reverse("faceauth:consent"), self.next_url()))
        except FaceAuthError as error:
            return self.refuse(form, str(error))
        message = _("Face payment is set up. You can now pay with a smile.")
        target = self.next_url() or reverse("faceauth:settings")
        messages.success(self.request, message)
        if self.wants_json():
            return JsonResponse({"ok": True, "redirect": target})
        return redirect(target)

    def form_invalid(self, form):
        if self.wants_json():
            errors = [str(e) for e in form.non_field_errors()] or [
                _("Invalid pictures.")
            ]
            return JsonResponse({"ok": False, "message": errors[0]}, status=400)
        return super().form_invalid(form)

    def refuse(self, form, message: str):
        if self.wants_json():
            return JsonResponse({"ok": False, "message": message}, status=400)
        form.add_error(None, message)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=self.next_url() or "",
            enrolment=face_enrolment_of(self.request.user),
            frames_wanted=4,
            frames_max=ENROL_MAX_IMAGES,
            **kwargs,
        )


class FaceEnrollCheckView(LoginRequiredMixin, View):
    """Check one webcam frame (the raw JPEG body) and say what to adjust.

    Nothing is stored: the browser keeps the frames that pass until it sends them.
    """

    def post(self, request):
        if not window_throttle.allow(
            f"enrol-check:{request.user.pk}", CHECKS_PER_MINUTE, 60
        ):
            return JsonResponse(
                {"ok": False, "reason": "rate_limited", "message": _("Slow down.")},
                status=429,
            )
        try:
            top, right, bottom, left = enrolment_frame_check(request.body)
        except engine.FrameRejected as rejected:
            return JsonResponse(
                {"ok": False, "reason": rejected.reason, "message": rejected.message}
            )
        return JsonResponse(
            {
                "ok": True,
                "message": _("Good: hold still."),
                "box": {"top": top, "right": right, "bottom": bottom, "left": left},
            }
        )


class FaceForgetView(LoginRequiredMixin, View):
    """Withdraw consent: every template is deleted at once."""

    def post(self, request):
        deleted = consent_withdraw(user=request.user)
        if deleted:
            messages.success(
                request,
                _(
                    "Your face templates were deleted. Pay with your password, or "
                    "set up face payment again at any time."
                ),
            )
        else:
            messages.info(request, _("There was no face data to delete."))
        return redirect("faceauth:settings")


class AttemptStatusView(LoginRequiredMixin, View):
    """The truth about one's own face check, for the page after a reconnect."""

    def get(self, request, attempt_id):
        attempt = attempt_of(user=request.user, public_id=attempt_id)
        if attempt is None:
            return JsonResponse({"message": _("No such face check.")}, status=404)
        if attempt_expire_if_overdue(attempt):
            attempt.refresh_from_db()
        return JsonResponse(attempt_state(attempt))
