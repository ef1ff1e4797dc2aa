"""A merchant's own products: added, edited, pictured, taken off sale or deleted."""

import logging
import secrets

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..exceptions import ProductHasOrders
from ..models import OrderLine, Product, StockMovement
from ..pictures import Picture
from .stock import stock_move, stock_set

logger = logging.getLogger(__name__)

SLUG_BASE_LENGTH = 80


def _slug_candidates(title: str, wanted: str = ""):
    """The wanted slug or the title's, then that slug with a random tail (a title
    taken, or a title of no Latin letters, such as one in Chinese)."""
    base = wanted or slugify(title)[:SLUG_BASE_LENGTH].strip("-")
    if base and not Product.objects.filter(slug=base).exists():
        yield base
    base = base or "product"
    for _attempt in range(3):
        yield f"{base}-{secrets.token_hex(3)}"


@transaction.atomic
def product_create(
    *,
    merchant,
    category,
    title: str,
    price,
    description: str = "",
    stock: int = 0,
    active: bool = True,
    picture: Picture | None = None,
    user=None,
    slug: str = "",
) -> Product:
    """Add a product to `merchant`'s shop; its stock is its opening movement. Its
    address comes from the title unless `slug` names one (the demo catalogue)."""
    product = Product(
        merchant=merchant,
        category=category,
        title=title,
        description=description,
        price=price,
        active=active,
        stock=0,
    )
    for candidate in _slug_candidates(title, slug):
        product.slug = candidate
        try:
            with transaction.atomic():  # a rival took the slug: try the next
                product.save()
            break
        except IntegrityError:
            if not Product.objects.filter(slug=candidate).exists():
                raise  # another constraint: not ours to hide
    else:
        raise IntegrityError(f"No free slug for {title!r}")
    if picture is not None:
        _picture_store(product, picture)
    if stock:
        stock_move(
            product=product,
            delta=stock,
            reason=StockMovement.Reason.INITIAL,
            user=user,
        )
    # Debug only: the row is the record, and seed_demo adds sixty at once.
    logger.debug("Merchant %s: product %s added", merchant.pk, product.pk)
    return product


@transaction.atomic
def product_update(
    *,
    product: Product,
    user,
    title: str,
    description: str,
    price,
    category,
    active: bool,
    stock: int | None = None,
    stock_seen: int | None = None,
    picture: Picture | None = None,
    remove_picture: bool = False,
) -> Product:
    """Save staff's edit of a product, with a new picture or without its picture.
    A new `stock` is a count set over the `stock_seen` they started from: if
    orders changed it meanwhile, StockChanged is raised and nothing of the edit is
    saved."""
    if stock is not None:
        stock_set(product=product, stock=stock, seen=stock_seen, user=user)
    if picture is not None:
        _picture_store(product, picture)
    elif remove_picture:
        product_picture_remove(product=product)
    product.title, product.description = title, description
    product.price, product.category, product.active = price, category, active
    product.save(
        update_fields=[
            "title",
            "description",
            "price",
            "category",
            "active",
            "updated_at",
        ]
    )
    product.refresh_from_db(fields=["stock"])
    return product


def product_set_active(*, product: Product, active: bool) -> Product:
    """Put a product on sale, or take it off: off sale it is out of the shop and
    of carts, and orders already placed keep it."""
    product.active = active
    product.save(update_fields=["active", "updated_at"])
    logger.info("Product %s: %s", product.pk, "on sale" if active else "off sale")
    return product


@transaction.atomic
def product_picture_set(*, product: Product, picture: Picture) -> Product:
    """Store a checked picture (shop.pictures.picture_prepare) in every size, in
    place of the product's old one, whose files go once this commits."""
    _picture_store(product, picture)
    return product


@transaction.atomic
def product_picture_remove(*, product: Product) -> Product:
    old = _picture_names(product)
    for field in Product.PICTURE_FIELDS:
        setattr(product, field, "")
    product.save(update_fields=[*Product.PICTURE_FIELDS, "updated_at"])
    _delete_files_on_commit(product, old)
    return product


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product no order names, with its movements and pictures; one that
    orders name raises ProductHasOrders (deactivate it instead)."""
    if OrderLine.objects.filter(product=product).exists():
        raise ProductHasOrders(
            _(
                "“%(title)s” is on orders, so it cannot be deleted: take it off "
                "sale instead."
            )
            % {"title": product.title}
        )
    old = _picture_names(product)
    pk = product.pk
    product.delete()
    _delete_files_on_commit(product, old)
    logger.info("Product %s: deleted", pk)


# --- picture files ---------------------------------------------------------------


def _picture_names(product: Product) -> list[str]:
    return [
        getattr(product, field).name
        for field in Product.PICTURE_FIELDS
        if getattr(product, field)
    ]


def _picture_store(product: Product, picture: Picture) -> None:
    old = _picture_names(product)
    # A new name for every picture: a browser or proxy holding the old one under
    # its address never shows it for the new.
    stem = f"{product.slug[:SLUG_BASE_LENGTH]}-{secrets.token_hex(4)}"
    files = {
        "image": (f"{stem}.jpg", picture.large),
        "image_detail": (f"{stem}-detail.jpg", picture.detail),
        "image_card": (f"{stem}-card.jpg", picture.card),
        "image_thumb": (f"{stem}-thumb.jpg", picture.thumb),
    }
    for field, (name, data) in files.items():
        getattr(product, field).save(name, ContentFile(data), save=False)
    product.save(update_fields=[*Product.PICTURE_FIELDS, "updated_at"])
    _delete_files_on_commit(product, old)
    logger.debug("Product %s: picture stored as %s", product.pk, stem)


def _delete_files_on_commit(product: Product, names: list[str]) -> None:
    """Remove the files once the change is committed: a change rolled back still
    names them."""
    storage = product.image.storage

    def delete():
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)
