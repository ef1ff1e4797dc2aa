from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .cart import CartSession
from .catalogue_cache import catalogue_version, kept
from .exceptions import ShopError
from .forms import CatalogueFilterForm, QuantityForm
from .models import Category, Product
from .selectors import (
    category_get,
    nav_categories,
    product_get,
    product_get_active,
    product_list,
)


def _product_or_404(slug):
    try:
        return product_get_active(slug=slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None


# What a product card shows: fewer columns and joins to read.
CARD_FIELDS = (
    "slug",
    "image",
    "image_card",
    "image_detail",
    "title",
    "price",
    "stock",
    "merchant__name",
)


class CatalogueView(TemplateView):
    """The product grid: every product, or one category's, searched and sorted."""

    template_name = "shop/catalogue.html"

    def get_category(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = CatalogueFilterForm(self.request.GET)
        query, sort = filters.cleaned()
        category = self.get_category()
        number = self.request.GET.get("page")

        def build():
            products = (
                product_list(category=category, query=query, sort=sort)
                .select_related(None)
                .select_related("merchant")
                .only(*CARD_FIELDS)
            )
            page = Paginator(products, settings.SHOP_PAGE_SIZE).get_page(number)
            page.object_list = list(page.object_list)
            grid = render_to_string(
                "shop/_product_grid.html", {"products": page.object_list}
            )
            return page, grid

        # Kept per catalogue version, which every write to the catalogue replaces
        # (shop/catalogue_cache.py): a visitor's page usually costs no query. The
        # cards' words and prices are in the visitor's language: one grid for each.
        version = catalogue_version()
        key = (
            "listing",
            get_language(),
            getattr(category, "pk", None),
            query,
            sort,
            number,
        )
        page, grid = kept(version, key, build)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            category=category,
            filters=filters,
            query=query,
            sort=sort,
            page=page,
            products=page.object_list,
            product_grid=grid,
            nav_categories=nav_categories(version),
            querystring=params.urlencode(),
        )
        return context


class CategoryView(CatalogueView):
    def get_category(self):
        try:
            return category_get(slug=self.kwargs["slug"])
        except Category.DoesNotExist:
            raise Http404("No such category.") from None


class ProductDetailView(TemplateView):
    template_name = "shop/product_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["product"] = _product_or_404(self.kwargs["slug"])
        context["form"] = QuantityForm()
        return context


class CartView(TemplateView):
    template_name = "shop/cart.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = CartSession(self.request).lines()
        context["lines"] = lines
        context["total"] = sum(line.line_total for line in lines)
        context["has_stock_problem"] = any(line.exceeds_stock for line in lines)
        return context


class _CartChangeView(View):
    """Validate the quantity, apply one change to the cart, go back to the cart."""

    success_message = ""  # with %(title)s, the product's

    def post(self, request, slug):
        product = _product_or_404(slug)
        form = QuantityForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("quantity", []):
                messages.error(request, error)
            return redirect(self.error_url(product))
        try:
            self.change(CartSession(request), product, form.cleaned_data["quantity"])
        except ShopError as exc:
            messages.error(request, str(exc))
            return redirect(self.error_url(product))
        else:
            messages.success(request, self.success_message % {"title": product.title})
        return redirect("shop:cart")

    def change(self, cart, product, quantity):
        raise NotImplementedError

    def error_url(self, product):
        return "shop:cart"


class CartAddView(_CartChangeView):
    success_message = gettext_lazy("Added “%(title)s” to your cart.")

    def change(self, cart, product, quantity):
        cart.add(product=product, quantity=quantity)

    def error_url(self, product):
        return product.get_absolute_url()


class CartUpdateView(_CartChangeView):
    success_message = gettext_lazy("Updated the quantity of “%(title)s”.")

    def change(self, cart, product, quantity):
        cart.set(product=product, quantity=quantity)


class CartRemoveView(View):
    def post(self, request, slug):
        try:
            product = product_get(slug=slug)
        except Product.DoesNotExist:
            raise Http404("No such product.") from None
        CartSession(request).remove(product=product)
        messages.success(
            request, _("Removed “%(title)s” from your cart.") % {"title": product.title}
        )
        return redirect("shop:cart")


class ShopPageView(TemplateView):
    """A page of the footer (contact, returns, privacy). The delays and periods it
    quotes come from settings, so it says what the shop really does."""

    def get_context_data(self, **kwargs):
        retention_days = settings.FACEAUTH_RETENTION_DAYS
        replay_seconds = settings.FACEAUTH_REPLAY_SECONDS
        return super().get_context_data(
            payment_minutes=settings.PAYMENT_CONFIRMATION_MINUTES,
            face_retention_days=retention_days,
            face_retention_years=(
                retention_days // 365 if retention_days % 365 == 0 else None
            ),
            face_replay_hours=-(-replay_seconds // 3600),  # rounded up; 0: off
            **kwargs,
        )
