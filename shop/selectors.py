"""Reads of the catalogue and of orders; views never build their own queries."""

from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .catalogue_cache import catalogue_version, kept
from .models import Category, Merchant, Order, OrderLine, Product, StockMovement

PRODUCT_SORTS = {
    "newest": ("-created_at", "-pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "-pk"),
    "title": ("title", "pk"),
}


def product_list(*, category=None, query="", sort="newest"):
    """Return active products, optionally in a category tree, matching a search."""
    qs = Product.objects.filter(active=True).select_related("merchant", "category")
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    query = query.strip()
    if query:
        for word in query.split()[:8]:
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(merchant__name__icontains=word)
            )
    return qs.order_by(*PRODUCT_SORTS.get(sort, PRODUCT_SORTS["newest"]))


def product_get_active(*, slug):
    return Product.objects.select_related("merchant", "category__parent").get(
        slug=slug, active=True
    )


def product_get(*, slug):
    return Product.objects.get(slug=slug)


def products_active_by_ids(*, ids):
    return Product.objects.filter(pk__in=ids, active=True).select_related("merchant")


def category_roots():
    return Category.objects.filter(parent=None).prefetch_related("children")


def nav_categories(version: str | None = None) -> list[dict]:
    """The top categories for the menu on every page, as name and URL, kept while
    the catalogue version stays (catalogue_cache)."""

    def build():
        return [
            {"name": root.name, "get_absolute_url": root.get_absolute_url()}
            for root in category_roots()
        ]

    if version is None:
        version = catalogue_version()
    return kept(version, ("nav",), build)


def category_get(*, slug):
    return Category.objects.select_related("parent").get(slug=slug)


def order_list_for_user(*, user):
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_get_for_user(*, user, number, related=()):
    return (
        Order.objects.filter(user=user)
        .select_related(*related)
        .prefetch_related("lines__product", "lines__merchant")
        .get(number=number)
    )


def order_find_by_checkout_key(*, user, key):
    return Order.objects.filter(user=user, idempotency_key=key).first()


def category_choices():
    """Every category, each under its parent: what a product may be filed under."""
    return Category.objects.select_related("parent").order_by(
        Coalesce("parent__name", "name"), F("parent").asc(nulls_first=True), "name"
    )


# --- merchants --------------------------------------------------------------------


def merchants_of(*, user):
    """The shops whose staff `user` is (none for most users)."""
    if not user.is_authenticated:
        return Merchant.objects.none()
    return Merchant.objects.filter(staff=user)


def merchant_orders(
    *,
    merchants,
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
    to_ship: bool = False,
):
    """Orders holding at least one line of `merchants`, newest first; `to_ship`:
    only paid orders with one of their lines still to ship.

    Each order carries `merchant_lines`: only those merchants' lines, never the
    other shops' on the same order.
    """
    theirs = OrderLine.objects.filter(order=OuterRef("pk"), merchant__in=merchants)
    qs = (
        Order.objects.filter(Exists(theirs))
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.filter(merchant__in=merchants)
                .select_related("merchant")
                .order_by("pk"),
                to_attr="merchant_lines",
            )
        )
        .order_by("-created_at", "-pk")
    )
    if status:
        qs = qs.filter(status=status)
    if to_ship:
        pending = theirs.filter(status=OrderLine.Status.PENDING)
        qs = qs.filter(Exists(pending), status=Order.Status.PAID)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(user__username__icontains=search)
            | Q(full_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    return qs


def merchant_line_get(*, merchants, pk):
    """One of `merchants`' order lines (DoesNotExist for any other shop's)."""
    return OrderLine.objects.select_related("order", "merchant").get(
        pk=pk, merchant__in=merchants
    )


SOLD_STATUSES = (Order.Status.PAID, Order.Status.FULFILLED)


def merchant_sales_by_day(*, merchants, days: int = 30) -> list[tuple[date, object]]:
    """Takings per day for the last `days` days (paid, not cancelled lines)."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    rows = (
        OrderLine.objects.filter(
            merchant__in=merchants,
            order__status__in=SOLD_STATUSES,
            order__created_at__date__gte=start,
        )
        .exclude(status=OrderLine.Status.CANCELLED)
        .annotate(day=TruncDate("order__created_at"))
        .values("day")
        .annotate(total=Sum("line_total"))
    )
    totals = {row["day"]: row["total"] for row in rows}
    return [
        (start + timedelta(days=n), totals.get(start + timedelta(days=n), 0))
        for n in range(days)
    ]


# --- a merchant's own products ------------------------------------------------------

MERCHANT_PRODUCT_STATES = ("on_sale", "off_sale", "sold_out")


def merchant_products(*, merchants, search: str = "", state: str = ""):
    """`merchants`' products, newest first; each knows whether an order names it
    (`on_orders`: then it can be taken off sale, not deleted). `state` is one of
    MERCHANT_PRODUCT_STATES, or "" for all."""
    qs = (
        Product.objects.filter(merchant__in=merchants)
        .select_related("merchant", "category__parent")
        .annotate(on_orders=Exists(OrderLine.objects.filter(product=OuterRef("pk"))))
        .order_by("-created_at", "-pk")
    )
    if state == "on_sale":
        qs = qs.filter(active=True)
    elif state == "off_sale":
        qs = qs.filter(active=False)
    elif state == "sold_out":
        qs = qs.filter(stock=0)
    for word in search.split()[:8]:
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(slug__icontains=word)
            | Q(description__icontains=word)
        )
    return qs


def merchant_product_get(*, merchants, pk) -> Product:
    """One of `merchants`' products (Product.DoesNotExist for any other shop's)."""
    return merchant_products(merchants=merchants).get(pk=pk)


def stock_movements_of(*, product):
    """A product's stock movements, latest first, with who made them and the order."""
    return StockMovement.objects.filter(product=product).select_related("user", "order")
