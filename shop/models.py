import uuid
from decimal import Decimal

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .catalogue_cache import catalogue_changed


class CatalogueQuerySet(models.QuerySet):
    """Writes that send no signal (update, bulk_create, bulk_update): as save() and
    delete() do through signals, they start a new catalogue version on commit, so
    the storefront cache never shows stock or prices older than the last commit."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        if rows:
            catalogue_changed()
        return rows

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            catalogue_changed()
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        rows = super().bulk_update(objs, fields, *args, **kwargs)
        if rows:
            catalogue_changed()
        return rows

    bulk_update.alters_data = True


class ProductQuerySet(CatalogueQuerySet):
    def add_stock(self, pk: int, delta: int) -> int | None:
        """Add `delta` to product `pk`'s stock in one guarded statement and return
        the new stock, or None if that would take it below zero. One query on the
        checkout's path, where update() and a read back took two: update() cannot
        return what it wrote (PostgreSQL and SQLite 3.35+ both have RETURNING)."""
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET stock = stock + %s "  # noqa: S608 - our table
                "WHERE id = %s AND stock + %s >= 0 RETURNING stock",
                [delta, pk, delta],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        catalogue_changed()
        return row[0]

    add_stock.alters_data = True


class Merchant(models.Model):
    """A seller on the marketplace; its staff users fulfil its orders."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="merchants",
        blank=True,
        verbose_name=_("staff"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
        verbose_name=_("parent"),
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("shop:category", kwargs={"slug": self.slug})


# What a price may be: more than nothing, and what 10 digits with 2 decimals hold.
MIN_PRICE = Decimal("0.01")
MAX_PRICE = Decimal("99999999.99")


class Product(models.Model):
    PICTURE_FIELDS = ("image", "image_detail", "image_card", "image_thumb")

    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("merchant"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    # The picture as staff uploaded it, checked and re-encoded (shop/pictures.py),
    # and the sizes the shop shows; all empty without a picture.
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    image_detail = models.ImageField(
        _("picture for the product page"),
        upload_to="products/",
        blank=True,
        editable=False,
    )
    image_card = models.ImageField(
        _("picture for the catalogue"),
        upload_to="products/",
        blank=True,
        editable=False,
    )
    image_thumb = models.ImageField(
        _("picture for the cart"), upload_to="products/", blank=True, editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    stock = models.IntegerField(_("stock"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0), name="product_stock_gte_0"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_gt_0"),
        ]
        indexes = [
            models.Index(fields=["active", "-created_at"]),
            models.Index(fields=["active", "price"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("shop:product", kwargs={"slug": self.slug})

    @property
    def in_stock(self):
        return self.stock > 0

    # Each size the pages show, or the picture itself for one stored before there
    # were sizes (a demo product until `seed_demo` runs again); "" without one.
    def _picture_url(self, size_field: str) -> str:
        picture = getattr(self, size_field) or self.image
        return picture.url if picture else ""

    @property
    def detail_image_url(self) -> str:
        return self._picture_url("image_detail")

    @property
    def card_image_url(self) -> str:
        return self._picture_url("image_card")

    @property
    def thumb_image_url(self) -> str:
        return self._picture_url("image_thumb")


class Cart(models.Model):
    """A signed-in shopper's cart; anonymous carts live in the session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cart",
        verbose_name=_("user"),
    )
    # Changes with every edit of the cart: a checkout submitted with an older key
    # was reviewed against other contents, and one key places at most one order.
    checkout_key = models.UUIDField(_("checkout key"), default=uuid.uuid4)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self):
        return gettext("Cart of %(user)s") % {"user": self.user}


class CartItem(models.Model):
    cart = models.ForeignKey(
        Cart, on_delete=models.CASCADE, related_name="items", verbose_name=_("cart")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cartitem_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="cartitem_qty_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"


class Order(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = (
            "awaiting_payment",
            pgettext_lazy("order status", "Awaiting payment"),
        )
        PAID = "paid", pgettext_lazy("order status", "Paid")
        FULFILLED = "fulfilled", pgettext_lazy("order status", "Fulfilled")
        CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
        EXPIRED = "expired", pgettext_lazy("order status", "Expired")

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        # Fulfilled once every line still on it is shipped; cancelled when merchants
        # cancelled every line (each one refunded).
        Status.PAID: {Status.FULFILLED, Status.CANCELLED},
        Status.FULFILLED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
    }

    number = models.CharField(_("number"), max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=Status.choices,
        default=Status.AWAITING_PAYMENT,
    )
    full_name = models.CharField(_("full name"), max_length=120)
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=20)
    country = models.CharField(_("country"), max_length=80)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    idempotency_key = models.UUIDField(_("idempotency key"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="order_unique_checkout_key"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return gettext("Order %(number)s") % {"number": self.number}

    def get_absolute_url(self):
        return reverse("payments:order", kwargs={"number": self.number})

    @property
    def item_count(self):
        return sum(line.quantity for line in self.lines.all())

    # What the shopper reads of a status where it differs from the status's own label,
    # which merchants and the admin read.
    SHOPPER_STATUS_LABELS = {
        # Every line still on the order has shipped (others were cancelled, refunded).
        Status.FULFILLED: pgettext_lazy("order status", "Shipped"),
    }

    @property
    def shopper_status_label(self) -> str:
        return self.SHOPPER_STATUS_LABELS.get(self.status, self.get_status_display())


class OrderLine(models.Model):
    """One product on an order, fulfilled (shipped or cancelled) by its merchant."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("order line status", "To ship")
        SHIPPED = "shipped", pgettext_lazy("order line status", "Shipped")
        CANCELLED = "cancelled", pgettext_lazy("order line status", "Cancelled")

    TRANSITIONS = {
        Status.PENDING: {Status.SHIPPED, Status.CANCELLED},
        Status.SHIPPED: set(),
        Status.CANCELLED: set(),
    }

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merchant"),
    )
    title = models.CharField(_("title"), max_length=200)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        indexes = [models.Index(fields=["merchant", "order"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="orderline_qty_gt_0"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"

    # Where a line stands for the people waiting on it (`fulfilment`).
    FULFILMENT_LABELS = {
        Status.PENDING: Status.PENDING.label,
        Status.SHIPPED: Status.SHIPPED.label,
        Status.CANCELLED: Status.CANCELLED.label,
        "awaiting_payment": pgettext_lazy("order line status", "Awaiting payment"),
        "not_shipped": pgettext_lazy("order line status", "Not shipped"),
    }

    @property
    def fulfilment(self) -> str:
        """The line's status as its order stands: a line is to ship only once its
        order is paid; before that it awaits payment, and an order cancelled or
        expired unpaid ships nothing."""
        if self.status != self.Status.PENDING:
            return self.status
        if self.order.status in (Order.Status.PAID, Order.Status.FULFILLED):
            return self.Status.PENDING
        if self.order.status == Order.Status.AWAITING_PAYMENT:
            return "awaiting_payment"
        return "not_shipped"

    @property
    def fulfilment_label(self) -> str:
        return self.FULFILMENT_LABELS[self.fulfilment]


class StockMovement(models.Model):
    """One change of a product's stock: how much, why, by whom, and what it left.

    The product's stock is the sum of its movements; every change goes through
    shop.services.stock.stock_move, in the transaction of the change itself.
    """

    class Reason(models.TextChoices):
        INITIAL = "initial", pgettext_lazy("stock movement", "Opening stock")
        RESTOCK = "restock", pgettext_lazy("stock movement", "Restock")
        CORRECTION = "correction", pgettext_lazy("stock movement", "Stock count")
        DAMAGED = "damaged", pgettext_lazy("stock movement", "Damaged or lost")
        ORDER_RESERVED = (
            "order_reserved",
            pgettext_lazy("stock movement", "Reserved by an order"),
        )
        ORDER_CANCELLED = (
            "order_cancelled",
            pgettext_lazy("stock movement", "Order cancelled unpaid"),
        )
        ORDER_EXPIRED = (
            "order_expired",
            pgettext_lazy("stock movement", "Order expired unpaid"),
        )
        LINE_CANCELLED = (
            "line_cancelled",
            pgettext_lazy("stock movement", "Line cancelled and refunded"),
        )

    # What staff may record by hand, and the way each goes: +1 only adds, -1 only
    # takes away, 0 either (a count found more or fewer units than the record).
    MANUAL = {Reason.RESTOCK: 1, Reason.CORRECTION: 0, Reason.DAMAGED: -1}
    MANUAL_CHOICES = [(reason.value, reason.label) for reason in MANUAL]

    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        related_name="stock_movements",
        verbose_name=_("product"),
    )
    delta = models.IntegerField(_("change"))
    stock_after = models.IntegerField(_("stock after"))
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stock_movements",
        verbose_name=_("order"),
    )
    line = models.ForeignKey(
        OrderLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order line"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        # Written under the product's row lock: for one product, the order of the
        # primary keys is the order in which its stock changed.
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(delta=0), name="stockmovement_delta_not_0"
            ),
            models.CheckConstraint(
                condition=Q(stock_after__gte=0), name="stockmovement_stock_after_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["product", "-id"])]

    def __str__(self):
        return f"{self.delta:+d} × {self.product} ({self.get_reason_display()})"
