"""A shop's webhook endpoints and their delivery log."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from webhooks.exceptions import WebhookError
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint
from webhooks.selectors import deliveries_of, delivery_get, endpoint_get, endpoints_of
from webhooks.services import (
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_roll_secret,
    endpoint_update,
)

from .base import MerchantStaffMixin

DELIVERY_LOG_SIZE = 50


class WebhookListView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/webhooks.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            endpoints=endpoints_of(merchants=self.merchants),
            deliveries=deliveries_of(merchants=self.merchants)[:DELIVERY_LOG_SIZE],
            **kwargs,
        )


def _secret_page(view, endpoint, secret, *, rolled=False):
    """The one page that ever shows the secret: rendered, never redirected to."""
    response = view.render_to_response(
        view.get_context_data(endpoint=endpoint, secret=secret, rolled=rolled)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


class WebhookCreateView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/webhook_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", EndpointForm(merchants=self.merchants))
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = EndpointForm(request.POST, merchants=self.merchants)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            endpoint, secret = endpoint_create(**form.cleaned_data)
        except WebhookError as exc:
            form.add_error("url", str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        self.template_name = "merchant/webhook_secret.html"
        return _secret_page(self, endpoint, secret)


class _EndpointMixin(MerchantStaffMixin):
    def endpoint(self):
        try:
            return endpoint_get(merchants=self.merchants, pk=self.kwargs["pk"])
        except Endpoint.DoesNotExist:
            raise Http404(_("No such webhook endpoint for your shop.")) from None


class WebhookDetailView(_EndpointMixin, TemplateView):
    template_name = "merchant/webhook_detail.html"

    def get_context_data(self, **kwargs):
        endpoint = self.endpoint()
        kwargs.setdefault(
            "form",
            EndpointForm(
                merchants=self.merchants,
                editing=True,
                initial={
                    "url": endpoint.url,
                    "events": endpoint.events,
                    "enabled": endpoint.enabled,
                },
            ),
        )
        return super().get_context_data(
            endpoint=endpoint,
            deliveries=deliveries_of(merchants=self.merchants).filter(
                endpoint=endpoint
            )[:DELIVERY_LOG_SIZE],
            **kwargs,
        )

    def post(self, request, pk):
        endpoint = self.endpoint()
        form = EndpointForm(request.POST, merchants=self.merchants, editing=True)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except WebhookError as exc:
            form.add_error("url", str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Webhook endpoint saved."))
        return redirect("merchant:webhook", pk=endpoint.pk)


class WebhookRollView(_EndpointMixin, TemplateView):
    template_name = "merchant/webhook_secret.html"

    def post(self, request, pk):
        endpoint = self.endpoint()
        secret = endpoint_roll_secret(endpoint=endpoint)
        return _secret_page(self, endpoint, secret, rolled=True)


class WebhookDeleteView(_EndpointMixin, View):
    def post(self, request, pk):
        endpoint_delete(endpoint=self.endpoint())
        messages.success(request, _("Webhook endpoint deleted."))
        return redirect("merchant:webhooks")


class WebhookResendView(MerchantStaffMixin, View):
    def post(self, request, pk):
        try:
            delivery = delivery_get(merchants=self.merchants, pk=pk)
        except Delivery.DoesNotExist:
            raise Http404(_("No such delivery for your shop.")) from None
        delivery_resend(delivery=delivery)
        messages.success(
            request,
            _("Event %(id)s will be sent again.") % {"id": delivery.event.public_id},
        )
        return redirect("merchant:webhook", pk=delivery.endpoint_id)
