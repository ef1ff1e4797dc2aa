"""The shop's orders: the dashboard, the order list and CSV, shipping and refunds."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from payments.exceptions import PaymentError
from payments.services import order_line_cancel_and_refund
from shop.exceptions import ShopError
from shop.models import OrderLine
from shop.money import format_money
from shop.selectors import merchant_line_get, merchant_sales_by_day
from shop.services import order_line_ship

from ..charts import sales_chart_svg
from ..forms import OrderFilterForm
from ..selectors import face_rates, merchant_orders_with_payment
from .base import PAGE_SIZE, MerchantStaffMixin


def _their_amount(order) -> object:
    return sum(
        (
            line.line_total
            for line in order.merchant_lines
            if line.status != OrderLine.Status.CANCELLED
        ),
        start=0,
    )


class DashboardView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/dashboard.html"

    def get_context_data(self, **kwargs):
        days = merchant_sales_by_day(merchants=self.merchants, days=30)
        recent = merchant_orders_with_payment(merchants=self.merchants)[:5]
        to_ship = merchant_orders_with_payment(
            merchants=self.merchants, to_ship=True
        ).count()
        return super().get_context_data(
            merchants=self.merchants,
            chart=mark_safe(sales_chart_svg(days)),  # built from numbers and dates
            sales_total=sum((amount for _day, amount in days), start=0),
            rates=face_rates(merchants=self.merchants),
            recent=[(order, _their_amount(order)) for order in recent],
            to_ship=to_ship,
            **kwargs,
        )


class OrderListView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/order_list.html"

    def get(self, request, *args, **kwargs):
        form = OrderFilterForm(request.GET or None)
        orders = merchant_orders_with_payment(
            merchants=self.merchants, **(form.filters() if form.is_bound else {})
        )
        if request.GET.get("format") == "csv":
            return _csv_response(orders)
        page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                page=page,
                rows=[(order, _their_amount(order)) for order in page.object_list],
                query=query.urlencode(),
            )
        )


class _Echo:
    def write(self, value):
        return value


def _csv_response(orders):
    writer = csv.writer(_Echo())
    # Not translated: the header and the codes below (status, paid_by) are read by
    # spreadsheets and scripts, so they stay the same English names in every language.
    # Only the `lines` cell is words, in the merchant's language.
    header = ["order", "placed", "customer", "status", "paid_by", "lines", "amount"]
    language = translation.get_language()

    def rows():
        yield writer.writerow(header)
        # Written while the response streams, after the view has returned.
        with translation.override(language):
            for order in orders.iterator(chunk_size=500):
                payment = getattr(order, "payment", None)
                lines = "; ".join(
                    f"{line.quantity} x {line.title} ({line.fulfilment_label})"
                    for line in order.merchant_lines
                )
                yield writer.writerow(
                    [
                        order.number,
                        timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M"),
                        _safe_cell(order.user.username),
                        order.status,
                        payment.method if payment else "",
                        _safe_cell(lines),
                        f"{_their_amount(order):.2f}",
                    ]
                )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    return response


def _safe_cell(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class OrderDetailView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/order_detail.html"

    def get_context_data(self, **kwargs):
        order = (
            merchant_orders_with_payment(merchants=self.merchants)
            .filter(number=self.kwargs["number"])
            .first()
        )
        if order is None:
            raise Http404(_("No such order for your shop."))
        payment = getattr(order, "payment", None)
        return super().get_context_data(
            order=order,
            payment=payment,
            amount=_their_amount(order),
            **kwargs,
        )


class _LineActionView(MerchantStaffMixin, View):
    def post(self, request, pk):
        try:
            line = merchant_line_get(merchants=self.merchants, pk=pk)
        except OrderLine.DoesNotExist:
            raise Http404(_("No such line for your shop.")) from None
        try:
            message = self.act(line)
        except (ShopError, PaymentError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, message)
        return redirect("merchant:order", number=line.order.number)

    def act(self, line) -> str:
        raise NotImplementedError


class LineShipView(_LineActionView):
    def act(self, line):
        order_line_ship(line=line)
        # Translators: e.g. "Shipped: 2 × Tea mug."
        return _("Shipped: %(quantity)s × %(title)s.") % {
            "quantity": line.quantity,
            "title": line.title,
        }


class LineCancelView(_LineActionView):
    def act(self, line):
        order_line_cancel_and_refund(line=line, user=self.request.user)
        return _(
            "Cancelled: %(quantity)s × %(title)s. %(amount)s went back to the "
            "customer's wallet and the stock is back on the shelf."
        ) % {
            "quantity": line.quantity,
            "title": line.title,
            "amount": format_money(line.line_total),
        }
