import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import NextUrlMixin
from core import throttle as window_throttle

from . import jobs
from .forms import ConsentForm, EnrollForm, PasswordConfirmForm
from .models import FaceTemplate
from .selectors import attempt_of, consent_active_for, face_enrolment_of
from .services import (
    ENROL_MAX_IMAGES,
    consent_give,
    consent_withdraw,
    enrolment_frame_screen,
)
from .services.attempts import attempt_expire_if_overdue, attempt_state
from .tasks import enrol_face, enrol_frame_check

logger = logging.getLogger(__name__)

# Enrolling a face lets that face pay from this account: it needs the password again,
# so a borrowed or stolen session cannot put its own face on the account. The
# confirmation holds for a few minutes, in the session.
PASSWORD_CONFIRMED_KEY = "faceauth_password_confirmed_at"
PASSWORD_CONFIRMED_SECONDS = 10 * 60
# The webcam page asks about two frames a second; this leaves room for retries.
CHECKS_PER_MINUTE = 120
ENROLMENTS_PER_HOUR = 20
# How long the pictures wait for a worker (faceauth/jobs.py). A frame check waits
# behind the enrolments a worker has already taken (a few seconds each): the page
# checks one frame at a time, so a late answer only slows it down.
ENROL_QUEUE_SECONDS = 15
CHECK_QUEUE_SECONDS = 5


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


def _status(answer: dict, refused: int) -> int:
    """503 when the face service failed (the same pictures may do in a moment),
    else `refused`: the status of an answer that is not a success."""
    return 503 if answer.get("reason") in jobs.SERVICE_FAILURES else refused


@method_decorator(login_required, name="dispatch")
class EnrolmentStepView(NextUrlMixin, View):
    """Base of the enrolment's views: the shopper has agreed to face payment and
    confirmed their password in the last few minutes.

    The face work runs in a Celery task whose answer these views await
    (faceauth/jobs.py), so they are asynchronous: an enrolment waiting on the
    workers holds none of the threads the shop's other pages run in.
    """

    async def dispatch(self, request, *args, **kwargs):
        refusal = await sync_to_async(self.refusal)()
        if refusal is not None:
            return refusal
        return await super().dispatch(request, *args, **kwargs)

    def wants_json(self) -> bool:
        return "application/json" in self.request.headers.get("Accept", "")

    def refusal(self) -> HttpResponse | None:
        """Where to go first, if consent or the password's confirmation is missing:
        a redirect for a page, a 403 for the webcam page's script."""
        if consent_active_for(self.request.user) is None:
            message = _("Agree to face payment before enrolling your face.")
            first = _with_next(reverse("faceauth:consent"), self.next_url())
        elif not password_recently_confirmed(self.request):
            message = _("Confirm your password first, then try again.")
            here = _with_next(reverse("faceauth:enrol"), self.next_url())
            first = _with_next(reverse("faceauth:confirm_password"), here)
        else:
            return None
        if self.request.method == "POST" and self.wants_json():
            return JsonResponse({"ok": False, "message": message}, status=403)
        return redirect(first)


class FaceEnrollView(EnrolmentStepView):
    """The webcam page (frames checked live, then sent together) or a photo upload."""

    template_name = "faceauth/enrol.html"

    async def get(self, request):
        return await sync_to_async(self.page)(EnrollForm())

    async def post(self, request):
        # Parsing the upload reads files: in a thread, as every synchronous step.
        form, refusal = await sync_to_async(self.form_checked)()
        if refusal is not None:
            return refusal
        user = await request.auser()
        answer = await jobs.job_run(
            enrol_face,
            form.cleaned_data["images"],
            queue_seconds=ENROL_QUEUE_SECONDS,
            user_id=user.pk,
            source=(
                FaceTemplate.Source.WEBCAM
                if form.cleaned_data["from_webcam"]
                else FaceTemplate.Source.UPLOAD
            ),
        )
        return await sync_to_async(self.answered)(form, answer)

    def form_checked(self) -> tuple[EnrollForm, HttpResponse | None]:
        """The posted form, and the answer if its pictures are refused before any
        face work."""
        form = EnrollForm(self.request.POST, self.request.FILES)
        if not form.is_valid():
            errors = form.non_field_errors() or [_("Invalid pictures.")]
            return form, self.refuse(form, str(errors[0]))
        user = self.request.user
        if not window_throttle.allow(f"enrol:{user.pk}", ENROLMENTS_PER_HOUR, 3600):
            return form, self.refuse(form, _("Too many enrolments in the last hour."))
        return form, None

    def answered(self, form, answer: dict) -> HttpResponse:
        if answer.get("reason") == "consent_required":
            return self.refusal()  # withdrawn meanwhile, in another tab
        if not answer["ok"]:
            return self.refuse(form, answer["message"], status=_status(answer, 400))
        messages.success(
            self.request, _("Face payment is set up. You can now pay with a smile.")
        )
        target = self.next_url() or reverse("faceauth:settings")
        if self.wants_json():
            return JsonResponse({"ok": True, "redirect": target})
        return redirect(target)

    def refuse(self, form, message: str, *, status: int = 400) -> HttpResponse:
        if self.wants_json():
            return JsonResponse({"ok": False, "message": message}, status=status)
        form.add_error(None, message)
        return self.page(form)

    def page(self, form) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "next": self.next_url() or "",
                "enrolment": face_enrolment_of(self.request.user),
                "frames_wanted": 4,
                "frames_max": ENROL_MAX_IMAGES,
            },
        )


class FaceEnrollCheckView(EnrolmentStepView):
    """Check one webcam frame (the raw JPEG body) and say what to adjust.

    Nothing is stored: the browser keeps the frames that pass until it sends them.
    """

    def wants_json(self) -> bool:
        return True

    async def post(self, request):
        user = await request.auser()
        allowed = await sync_to_async(window_throttle.allow)(
            f"enrol-check:{user.pk}", CHECKS_PER_MINUTE, 60
        )
        if not allowed:
            return JsonResponse(
                {"ok": False, "reason": "rate_limited", "message": _("Slow down.")},
                status=429,
            )
        answer = enrolment_frame_screen(request.body) or await jobs.job_run(
            enrol_frame_check, [request.body], queue_seconds=CHECK_QUEUE_SECONDS
        )
        return JsonResponse(answer, status=_status(answer, 200))


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
