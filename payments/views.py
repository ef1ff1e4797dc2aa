from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from faceauth.exceptions import FaceAuthError, NotEnrolled
from faceauth.models import VerificationAttempt
from faceauth.selectors import attempt_latest_for, attempt_of
from faceauth.services.attempts import attempt_speak, attempt_state
from shop.cart import CartSession
from shop.exceptions import ShopError
from shop.models import Order
from shop.selectors import order_list_for_user
from shop.services import Shipping

from .exceptions import PaymentError
from .forms import ConfirmPasswordForm, PlaceOrderForm, ShippingForm
from .limits import face_limit_for
from .models import Payment
from .selectors import (
    ledger_for_wallet,
    order_with_payment_for_user,
    payment_get_for_order,
)
from .services import (
    checkout_place,
    payment_cancel,
    payment_confirm_with_password,
    payment_face_start,
    wallet_for_user,
)


class CheckoutView(LoginRequiredMixin, FormView):
    """Step 1: where to ship."""

    template_name = "payments/checkout_shipping.html"
    form_class = ShippingForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not CartSession(request).lines():
            messages.info(request, _("Your cart is empty."))
            return redirect("shop:cart")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return CartSession(self.request).shipping() or {
            "full_name": self.request.user.get_full_name()
        }

    def form_valid(self, form):
        CartSession(self.request).set_shipping(form.cleaned_data)
        return redirect("payments:checkout_review")


class CheckoutReviewView(LoginRequiredMixin, TemplateView):
    """Step 2: what, where, how much; then "Place order"."""

    template_name = "payments/checkout_review.html"

    def get(self, request, *args, **kwargs):
        cart = CartSession(request)
        lines = cart.lines()
        if not lines:
            messages.info(request, _("Your cart is empty."))
            return redirect("shop:cart")
        shipping = cart.shipping()
        if shipping is None:
            return redirect("payments:checkout")
        total = sum(line.line_total for line in lines)
        return self.render_to_response(
            self.get_context_data(
                lines=lines,
                total=total,
                shipping=shipping,
                has_stock_problem=any(line.exceeds_stock for line in lines),
                wallet=wallet_for_user(user=request.user),
                form=PlaceOrderForm(
                    initial={
                        "checkout_key": cart.checkout_key(),
                        "expected_total": total,
                    }
                ),
            )
        )


class CheckoutPlaceView(LoginRequiredMixin, View):
    """Place the reviewed order; the same review placed twice gives one order."""

    def post(self, request):
        form = PlaceOrderForm(request.POST)
        shipping = CartSession(request).shipping()
        if not form.is_valid() or shipping is None:
            messages.error(
                request,
                _("Something was missing from your order. Please review it again."),
            )
            return redirect(
                "payments:checkout_review" if shipping else "payments:checkout"
            )
        try:
            order, created = checkout_place(
                user=request.user,
                checkout_key=form.cleaned_data["checkout_key"],
                shipping=Shipping(**shipping),
                expected_total=form.cleaned_data["expected_total"],
            )
        except (ShopError, PaymentError) as exc:
            messages.error(request, str(exc))
            return redirect("shop:cart")
        if created:
            messages.success(
                request,
                _("Order %(number)s placed. Confirm the payment to complete it.")
                % {"number": order.number},
            )
        return redirect(order)


class OrderListView(LoginRequiredMixin, TemplateView):
    template_name = "payments/order_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orders = order_list_for_user(user=self.request.user)
        context["page"] = Paginator(orders, 10).get_page(self.request.GET.get("page"))
        return context


class OrderDetailView(LoginRequiredMixin, TemplateView):
    template_name = "payments/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            order = order_with_payment_for_user(
                user=self.request.user, number=self.kwargs["number"]
            )
        except Order.DoesNotExist:
            raise Http404("No such order.") from None
        payment = order.payment
        face_limit = face_limit_for(payment=payment) if payment.is_open else None
        context.update(
            order=order,
            payment=payment,
            face_limit=face_limit,
            # Over a face limit an approved face check is refused, not finishing.
            face_finishing=face_limit is not None
            and face_limit.allowed
            and _face_finishing(order, self.request.user),
            wallet=wallet_for_user(user=self.request.user),
            password_form=ConfirmPasswordForm(),
        )
        return context


# An approved face check is applied to its payment within milliseconds; after this
# long, an open payment means it could not be (for example the wallet ran dry).
FACE_FINISHING_SECONDS = 30  # the sweep retries every 10 s (apply_face_verdicts)


def _face_finishing(order, user) -> bool:
    """Whether an approved face check is still being applied to the open payment."""
    if not order.payment.is_open:
        return False
    attempt = attempt_latest_for(
        user=user, purpose=VerificationAttempt.Purpose.PAYMENT, reference=order.number
    )
    return (
        attempt is not None
        and attempt.status == VerificationAttempt.Status.APPROVED
        and attempt.decided_at
        > timezone.now() - timedelta(seconds=FACE_FINISHING_SECONDS)
    )


def _own_payment_or_404(user, number):
    try:
        return payment_get_for_order(user=user, number=number)
    except Payment.DoesNotExist:
        raise Http404("No such order.") from None


class _PaymentActionView(LoginRequiredMixin, View):
    """An action on one of the signed-in shopper's own payments."""

    def post(self, request, number):
        payment = _own_payment_or_404(request.user, number)
        try:
            self.act(request, payment)
        except PaymentError as exc:
            messages.error(request, str(exc))
        return redirect(payment.order)

    def act(self, request, payment):
        raise NotImplementedError


class OrderConfirmPasswordView(_PaymentActionView):
    def act(self, request, payment):
        form = ConfirmPasswordForm(request.POST)
        payment_confirm_with_password(
            payment=payment,
            user=request.user,
            password=form.cleaned_data["password"] if form.is_valid() else "",
        )
        messages.success(
            request,
            _("Payment confirmed. Order %(number)s is paid.")
            % {"number": payment.order.number},
        )


class OrderCancelView(_PaymentActionView):
    def act(self, request, payment):
        payment_cancel(payment=payment)
        messages.success(
            request,
            _("Order %(number)s is cancelled.") % {"number": payment.order.number},
        )


class OrderPayWithFaceView(LoginRequiredMixin, View):
    """Start a face check for the order and open the face page (or enrolment)."""

    def post(self, request, number):
        payment = _own_payment_or_404(request.user, number)
        try:
            attempt = payment_face_start(
                payment=payment,
                user=request.user,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except NotEnrolled:
            messages.info(
                request, _("Set up face payment first: it takes a minute, once.")
            )
            enrol = reverse("faceauth:enrol")
            return redirect(
                f"{enrol}?{urlencode({'next': payment.order.get_absolute_url()})}"
            )
        except (PaymentError, FaceAuthError) as exc:
            messages.error(request, str(exc))
            return redirect(payment.order)
        return redirect(
            "payments:order_face", number=number, attempt_id=attempt.public_id
        )


class OrderFaceView(LoginRequiredMixin, TemplateView):
    """The face page: camera, the shopper's own face check, and the password option."""

    template_name = "payments/order_face.html"

    def get(self, request, *args, **kwargs):
        payment = _own_payment_or_404(request.user, kwargs["number"])
        attempt = attempt_of(user=request.user, public_id=kwargs["attempt_id"])
        if attempt is None or attempt.reference != payment.order.number:
            raise Http404("No such face check.")
        if not payment.is_open:
            return redirect(payment.order)
        attempt_speak(attempt, translation.get_language())
        context = self.get_context_data(
            order=payment.order,
            payment=payment,
            attempt=attempt,
            face=attempt_state(attempt),
            password_form=ConfirmPasswordForm(),
        )
        return self.render_to_response(context)


class WalletView(LoginRequiredMixin, TemplateView):
    template_name = "payments/wallet.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        wallet = wallet_for_user(user=self.request.user)
        context.update(wallet=wallet, entries=ledger_for_wallet(wallet=wallet))
        return context
