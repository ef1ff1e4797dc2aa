"""A shop's own products: the list, adding and editing them, their stock."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from shop.exceptions import ShopError, StockChanged
from shop.models import Product
from shop.selectors import merchant_product_get, merchant_products, stock_movements_of
from shop.services import (
    product_create,
    product_delete,
    product_set_active,
    product_update,
    stock_adjust,
)

from ..forms import ProductFilterForm, ProductForm, StockAdjustForm
from .base import PAGE_SIZE, MerchantStaffMixin

MOVEMENTS_PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class ProductListView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/products.html"

    def get_context_data(self, **kwargs):
        form = ProductFilterForm(self.request.GET or None)
        products = merchant_products(
            merchants=self.merchants, **(form.filters() if form.is_bound else {})
        )
        page = Paginator(products, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form,
            page=page,
            query=_query_without_page(self.request),
            **kwargs,
        )


class ProductCreateView(MerchantStaffMixin, TemplateView):
    template_name = "merchant/product_form.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ProductForm(merchants=self.merchants))
        return super().get_context_data(**kwargs)

    def post(self, request):
        form = ProductForm(request.POST, request.FILES, merchants=self.merchants)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        product = product_create(
            merchant=data["merchant"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            price=data["price"],
            stock=data["stock"],
            active=data["active"],
            picture=data["picture"],
            user=request.user,
        )
        if product.active:
            message = _("“%(title)s” is added, and on sale in the shop.")
        else:
            message = _("“%(title)s” is added, off sale: shoppers do not see it yet.")
        messages.success(request, message % {"title": product.title})
        return redirect("merchant:product", pk=product.pk)


class _ProductMixin(MerchantStaffMixin):
    def product(self) -> Product:
        try:
            return merchant_product_get(merchants=self.merchants, pk=self.kwargs["pk"])
        except Product.DoesNotExist:
            raise Http404(_("No such product in your shop.")) from None


class ProductEditView(_ProductMixin, TemplateView):
    template_name = "merchant/product_form.html"

    def get_context_data(self, **kwargs):
        product = kwargs.setdefault("product", self.product())
        kwargs.setdefault(
            "form", ProductForm.for_product(product, merchants=self.merchants)
        )
        return super().get_context_data(**kwargs)

    def post(self, request, pk):
        product = self.product()
        form = ProductForm(
            request.POST, request.FILES, merchants=self.merchants, product=product
        )
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(product=product, form=form)
            )
        data = form.cleaned_data
        # The stock as it came back untouched is no count: orders may change it
        # meanwhile, and the rest of the edit is saved whatever they did.
        counted = data["stock"] != data["stock_seen"]
        try:
            product_update(
                product=product,
                user=request.user,
                title=data["title"],
                description=data["description"],
                price=data["price"],
                category=data["category"],
                active=data["active"],
                stock=data["stock"] if counted else None,
                stock_seen=data["stock_seen"],
                picture=data["picture"],
                remove_picture=data.get("remove_picture", False),
            )
        except StockChanged as exc:
            form = form.with_stock_seen(exc.current)
            form.add_error("stock", str(exc))
            return self.render_to_response(
                self.get_context_data(product=self.product(), form=form)
            )
        messages.success(request, _("“%(title)s” is saved.") % {"title": data["title"]})
        return redirect("merchant:product", pk=product.pk)


class ProductStockView(_ProductMixin, TemplateView):
    """The stock of one product: change it with a reason, and every movement."""

    template_name = "merchant/product_stock.html"

    def get_context_data(self, **kwargs):
        product = kwargs.setdefault("product", self.product())
        kwargs.setdefault("form", StockAdjustForm())
        page = Paginator(stock_movements_of(product=product), MOVEMENTS_PAGE_SIZE)
        return super().get_context_data(
            page=page.get_page(self.request.GET.get("page")), **kwargs
        )

    def post(self, request, pk):
        product = self.product()
        form = StockAdjustForm(request.POST)
        if form.is_valid():
            try:
                movement = stock_adjust(
                    product=product,
                    delta=form.cleaned_data["change"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except ShopError as exc:
                form.add_error("change", str(exc))
            else:
                messages.success(
                    request,
                    # Translators: e.g. "Stock of “Tea mug”: +20, now 45."
                    _("Stock of “%(title)s”: %(change)s, now %(stock)d.")
                    % {
                        "title": product.title,
                        "change": f"{movement.delta:+d}",
                        "stock": movement.stock_after,
                    },
                )
                return redirect("merchant:product_stock", pk=product.pk)
        return self.render_to_response(
            self.get_context_data(product=self.product(), form=form)
        )


class ProductActiveView(_ProductMixin, View):
    """Put a product on sale (`active=1`) or take it off sale (`active=0`)."""

    def post(self, request, pk):
        product = product_set_active(
            product=self.product(), active=request.POST.get("active") == "1"
        )
        if product.active:
            message = _("“%(title)s” is on sale again.")
        else:
            message = _("“%(title)s” is off sale: shoppers no longer see it.")
        messages.success(request, message % {"title": product.title})
        return redirect("merchant:product", pk=product.pk)


class ProductDeleteView(_ProductMixin, View):
    def post(self, request, pk):
        product = self.product()
        try:
            product_delete(product=product)
        except ShopError as exc:
            messages.error(request, str(exc))
            return redirect("merchant:product", pk=product.pk)
        messages.success(
            request, _("“%(title)s” is deleted.") % {"title": product.title}
        )
        return redirect("merchant:products")
