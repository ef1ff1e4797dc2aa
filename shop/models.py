import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

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


class Merchant(models.Model):
    """A seller on the marketplace; its staff users fulfil its orders."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="merchants", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("shop:category", kwargs={"slug": self.slug})


class Product(models.Model):
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products"
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    image = models.ImageField(upload_to="products/", blank=True)
    active = models.BooleanField(default=True)
    stock = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
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


class Cart(models.Model):
    """A signed-in shopper's cart; anonymous carts live in the session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart"
    )
    # Changes with every edit of the cart: a checkout submitted with an older key
    # was reviewed against other contents, and one key places at most one order.
    checkout_key = models.UUIDField(default=uuid.uuid4)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Cart of {self.user}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
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
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    TRANSITIONS = {
        Status.AWAITING_PAYMENT: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
        # Fulfilled once every line still on it is shipped; cancelled when merchants
        # cancelled every line (each one refunded).
        Status.PAID: {Status.FULFILLED, Status.CANCELLED},
        Status.FULFILLED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
    }

    number = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=32, choices=Status.choices, default=Status.AWAITING_PAYMENT
    )
    full_name = models.CharField(max_length=120)
    address = models.CharField(max_length=255)
    city = models.CharField(max_length=120)
    postcode = models.CharField(max_length=20)
    country = models.CharField(max_length=80)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    idempotency_key = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="order_unique_checkout_key"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_gte_0"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"Order {self.number}"

    def get_absolute_url(self):
        return reverse("payments:order", kwargs={"number": self.number})

    @property
    def item_count(self):
        return sum(line.quantity for line in self.lines.all())


class OrderLine(models.Model):
    """One product on an order, fulfilled (shipped or cancelled) by its merchant."""

    class Status(models.TextChoices):
        PENDING = "pending", "To ship"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    TRANSITIONS = {
        Status.PENDING: {Status.SHIPPED, Status.CANCELLED},
        Status.SHIPPED: set(),
        Status.CANCELLED: set(),
    }

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        Status.PENDING: "To ship",
        Status.SHIPPED: "Shipped",
        Status.CANCELLED: "Cancelled",
        "awaiting_payment": "Awaiting payment",
        "not_shipped": "Not shipped",
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
