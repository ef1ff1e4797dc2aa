"""Reads of the catalogue and of orders; views never build their own queries."""

from django.db.models import Q

from .models import Category, Order, Product

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
