"""What the API reads and answers: explicit fields, amounts as decimal strings."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.validators import slug_re
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from faceauth.models import VerificationAttempt
from payments.limits import FACE_LIMIT_CODES
from payments.models import LedgerEntry, Payment, Transfer, Wallet
from shop.cart import MAX_QUANTITY
from shop.exceptions import PictureRejected
from shop.models import (
    MAX_PRICE,
    MIN_PRICE,
    Category,
    Merchant,
    Order,
    OrderLine,
    Product,
    StockMovement,
)
from shop.pictures import picture_prepare
from shop.selectors import category_get
from shop.services import MAX_STOCK
from webhooks.exceptions import UnsafeURL
from webhooks.models import Attempt, Delivery, Endpoint, Event, EventType
from webhooks.ssrf import url_check


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice that is `null` while the model holds a blank (not decided yet)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


# --- accounts -------------------------------------------------------------------


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to sign in with that username and password."),
                code="authorization",
            )
        return {"user": user}


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        source="key",
        help_text="Send as `Authorization: Token <token>`. Shown this once only.",
    )
    expires_at = serializers.DateTimeField(
        help_text="The token ends then (`API_TOKEN_DAYS` after it was made, 30 by "
        "default), or sooner: revoked, a new password, or sign out everywhere."
    )


# --- catalogue ------------------------------------------------------------------


class MerchantBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = ["name", "slug"]
        read_only_fields = fields


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["name", "slug"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    children = CategoryBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["name", "slug", "children"]
        read_only_fields = fields


class ProductBriefSerializer(serializers.ModelSerializer):
    image = serializers.ImageField(read_only=True, allow_null=True, use_url=True)
    in_stock = serializers.BooleanField(read_only=True)

    class Meta:
        model = Product
        fields = ["slug", "title", "price", "stock", "in_stock", "image"]
        read_only_fields = fields


class ProductSerializer(ProductBriefSerializer):
    merchant = MerchantBriefSerializer(read_only=True)
    category = CategoryBriefSerializer(read_only=True)

    class Meta:
        model = Product
        fields = [
            "slug",
            "title",
            "description",
            "price",
            "stock",
            "in_stock",
            "image",
            "merchant",
            "category",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductFilterSerializer(serializers.Serializer):
    """Query parameters of the product list."""

    search = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Words to find in the title, description or merchant's name.",
    )
    category = serializers.SlugField(
        required=False, help_text="A category's slug; includes its subcategories."
    )
    merchant = serializers.SlugField(required=False, help_text="A merchant's slug.")
    min_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    max_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    in_stock = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="`true`: only products on the shelf; `false`: only sold-out ones.",
    )
    ordering = serializers.ChoiceField(
        choices=[
            ("newest", "Newest first"),
            ("price", "Price, low to high"),
            ("-price", "Price, high to low"),
            ("title", "Title, A to Z"),
        ],
        required=False,
        default="newest",
    )

    def validate_category(self, slug):
        try:
            return category_get(slug=slug)
        except Category.DoesNotExist:
            raise serializers.ValidationError(_("No such category.")) from None


# --- cart -----------------------------------------------------------------------


class CartLineSerializer(serializers.Serializer):
    product = ProductBriefSerializer()
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    exceeds_stock = serializers.BooleanField(
        help_text="More in the cart than on the shelf: checkout would be refused."
    )


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    count = serializers.IntegerField(help_text="Items in the cart, all lines summed.")


class CartAddSerializer(serializers.Serializer):
    product = serializers.SlugField(max_length=200, help_text="The product's slug.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class CartQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


# --- orders and payments ------------------------------------------------------------


class ShippingSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=120)
    address = serializers.CharField(max_length=255)
    city = serializers.CharField(max_length=120)
    postcode = serializers.CharField(max_length=20)
    country = serializers.CharField(max_length=80)


class OrderCreateSerializer(ShippingSerializer):
    expected_total = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=(
            "The cart total shown to the shopper: the order is refused (409 "
            "`checkout_stale`) if the cart now costs something else."
        ),
    )


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.SlugField(source="product.slug", read_only=True)
    merchant = MerchantBriefSerializer(read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "title",
            "merchant",
            "unit_price",
            "quantity",
            "line_total",
            "status",
            "shipped_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class PaymentSummarySerializer(serializers.ModelSerializer):
    method = BlankAsNullChoiceField(choices=Payment.Method.choices, read_only=True)

    class Meta:
        model = Payment
        fields = ["status", "method", "amount", "deadline", "decided_at"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    shipping = ShippingSerializer(source="*", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    payment = PaymentSummarySerializer(read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "total",
            "created_at",
            "updated_at",
            "shipping",
            "lines",
            "payment",
        ]
        read_only_fields = fields


FACE_STATES = ["streaming", "challenge", "approved", "declined", "expired", "locked"]


class FaceStateSerializer(serializers.Serializer):
    attempt = serializers.UUIDField(help_text="The face check's public id.")
    state = serializers.ChoiceField(
        choices=FACE_STATES,
        help_text="What the face page shows (`data-state` of `face-status`).",
    )
    message = serializers.CharField(allow_blank=True)
    final = serializers.BooleanField(help_text="Decided: polling may stop.")
    deadline = serializers.DateTimeField()
    reason = BlankAsNullChoiceField(choices=VerificationAttempt.Reason.choices)
    tries_left = serializers.IntegerField(allow_null=True)


class FaceLimitSerializer(serializers.Serializer):
    code = BlankAsNullChoiceField(
        choices=FACE_LIMIT_CODES,
        help_text=(
            "Why face payment is not offered: `order_over_face_limit` (this order's "
            "amount is above `max_amount`) or `daily_face_limit` (with what the "
            "shopper paid by face today it would pass `daily_max_amount`); `null` "
            "when it is offered."
        ),
    )
    message = serializers.CharField(
        allow_blank=True,
        help_text="The reason in plain words, safe to show the shopper; blank if none.",
    )
    max_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="The largest order that may be paid by face.",
    )
    daily_max_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=(
            "The most a shopper may pay by face in one day (the calendar day in "
            "the shop's time zone)."
        ),
    )
    paid_by_face_today = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="What this shopper paid by face today, this payment aside.",
    )


class PaymentStatusSerializer(serializers.Serializer):
    order = serializers.CharField(source="payment.order.number")
    order_status = serializers.ChoiceField(
        choices=Order.Status.choices, source="payment.order.status"
    )
    status = serializers.ChoiceField(
        choices=Payment.Status.choices, source="payment.status"
    )
    method = BlankAsNullChoiceField(
        choices=Payment.Method.choices, source="payment.method"
    )
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, source="payment.amount"
    )
    deadline = serializers.DateTimeField(source="payment.deadline")
    decided_at = serializers.DateTimeField(source="payment.decided_at", allow_null=True)
    evidence = serializers.DictField(
        source="payment.evidence",
        help_text="How the payment was confirmed (empty until it is).",
    )
    face = FaceStateSerializer(
        allow_null=True, help_text="The latest face check for this order, if any."
    )
    face_allowed = serializers.BooleanField(
        help_text=(
            "Whether paying by face is offered: the payment awaits confirmation and "
            "its amount is within the face payment limits (`face_limit`). Enrolment, "
            "the face lockout and the wallet balance are checked when a face check "
            "starts. The password is always offered."
        )
    )
    face_limit = FaceLimitSerializer(
        allow_null=True,
        help_text=(
            "The face payment limits as they apply to this payment, and why face "
            "payment is not offered if it is not; `null` once the payment is decided."
        ),
    )


class ConfirmPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, style={"input_type": "password"}
    )


# --- wallet ---------------------------------------------------------------------


class WalletSerializer(serializers.ModelSerializer):
    currency = serializers.SerializerMethodField()

    class Meta:
        model = Wallet
        fields = ["balance", "currency"]
        read_only_fields = fields

    def get_currency(self, wallet) -> str:
        return settings.SHOP_CURRENCY


class LedgerEntrySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=Transfer.Kind.choices, source="transfer.kind"
    )
    memo = serializers.CharField(source="transfer.memo")

    class Meta:
        model = LedgerEntry
        fields = ["id", "amount", "balance_after", "kind", "memo", "created_at"]
        read_only_fields = fields


# --- merchants ------------------------------------------------------------------


class MerchantOrderFilterSerializer(serializers.Serializer):
    """Query parameters of a merchant's order list."""

    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    search = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Part of the order number, or the customer's name, user or email.",
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, data):
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise serializers.ValidationError(
                # Translators: date_from is the name of a query parameter; keep it.
                {"date_to": _("This date is before date_from.")}
            )
        return data


class MerchantOrderSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="user.username", read_only=True)
    shipping = ShippingSerializer(source="*", read_only=True)
    lines = OrderLineSerializer(
        source="merchant_lines",
        many=True,
        read_only=True,
        help_text="Only this merchant's lines of the order.",
    )
    amount = serializers.SerializerMethodField(
        help_text="What the merchant's lines not cancelled come to."
    )

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "created_at",
            "customer",
            "shipping",
            "lines",
            "amount",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_amount(self, order) -> str:
        amount = sum(
            (
                line.line_total
                for line in order.merchant_lines
                if line.status != OrderLine.Status.CANCELLED
            ),
            start=Decimal("0"),
        )
        return f"{amount:.2f}"


class MerchantLineSerializer(OrderLineSerializer):
    order = serializers.CharField(source="order.number", read_only=True)
    order_status = serializers.ChoiceField(
        choices=Order.Status.choices, source="order.status", read_only=True
    )

    class Meta(OrderLineSerializer.Meta):
        fields = [*OrderLineSerializer.Meta.fields, "order", "order_status"]
        read_only_fields = fields


# --- webhooks ---------------------------------------------------------------------


class SlugLookupField(serializers.SlugRelatedField):
    """A slug, refused as not found before the database is asked when it cannot be
    one (PostgreSQL refuses a NUL byte in a query with an error, not an empty set)."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not slug_re.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        return super().to_internal_value(data)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    merchant = SlugLookupField(
        slug_field="slug",
        queryset=Merchant.objects.none(),
        required=False,
        help_text="The shop's slug; needed only by the staff of several shops.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        help_text="The event types this endpoint receives.",
    )

    class Meta:
        model = Endpoint
        fields = ["id", "merchant", "url", "events", "enabled", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = Merchant.objects.filter(
            pk__in=[m.pk for m in merchants]
        )
        if self.instance is not None:
            self.fields["merchant"].read_only = True

    def validate_url(self, url):
        try:
            url_check(url)
        except UnsafeURL as exc:
            raise serializers.ValidationError(str(exc)) from None
        return url

    def validate_events(self, events):
        return sorted(set(events))


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret: shown this once only."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        help_text="The new signing secret; the old one also signs for 24 hours."
    )


class WebhookAttemptSerializer(serializers.ModelSerializer):
    error = serializers.CharField(
        source="error_message",
        read_only=True,
        help_text="Why the attempt failed, in the caller's language; empty if it did not.",
    )

    class Meta:
        model = Attempt
        fields = [
            "started_at",
            "duration_ms",
            "status_code",
            "error",
            "response_excerpt",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.public_id", read_only=True)
    type = serializers.CharField(source="event.type", read_only=True)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "type",
            "endpoint",
            "status",
            "attempt_count",
            "next_attempt_at",
            "delivered_at",
            "attempts",
        ]
        read_only_fields = fields


class WebhookEventSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    created = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "type", "created", "data"]
        read_only_fields = fields

    def get_created(self, event) -> int:
        return int(event.created_at.timestamp())


# --- a merchant's own products ---------------------------------------------------


class ProductPicturesSerializer(serializers.Serializer):
    """The picture in each size the shop shows; all null without a picture."""

    large = serializers.URLField(
        allow_null=True, help_text="The picture, up to 1600 px on its longer side."
    )
    detail = serializers.URLField(
        allow_null=True, help_text="800 × 600, as the product page shows it."
    )
    card = serializers.URLField(
        allow_null=True, help_text="400 × 300, as the catalogue's cards show it."
    )
    thumb = serializers.URLField(
        allow_null=True, help_text="128 × 96, as the cart shows it (at 64 × 48)."
    )


PICTURE_HELP = (
    "A JPEG, PNG, WebP or GIF (its first frame), by default up to 10 MB and 40 "
    "megapixels. "
    "It is checked, turned upright, stripped of its metadata (EXIF, GPS) and "
    "stored re-encoded as JPEG in each size of `pictures`."
)


def _picture_of(upload):
    try:
        return picture_prepare(upload)
    except PictureRejected as exc:
        raise serializers.ValidationError(str(exc)) from None


class MerchantProductSerializer(serializers.ModelSerializer):
    merchant = SlugLookupField(
        slug_field="slug",
        queryset=Merchant.objects.none(),
        required=False,
        help_text="The shop's slug; needed only by the staff of several shops.",
    )
    category = SlugLookupField(
        slug_field="slug",
        queryset=Category.objects.all(),
        help_text="A category's slug (`GET /api/categories/`).",
    )
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=MIN_PRICE, max_value=MAX_PRICE
    )
    stock = serializers.IntegerField(
        min_value=0,
        max_value=MAX_STOCK,
        default=0,
        help_text=(
            "Units on the shelf. Given when the product is added (its opening "
            "stock); after that it changes only through "
            "`POST /api/merchant/products/{id}/stock/`."
        ),
    )
    picture = serializers.FileField(
        write_only=True, required=False, help_text=f"Multipart only. {PICTURE_HELP}"
    )
    pictures = serializers.SerializerMethodField()
    on_orders = serializers.BooleanField(
        read_only=True,
        help_text=(
            "Orders name this product: it can be taken off sale (`active: false`), "
            "not deleted."
        ),
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "merchant",
            "title",
            "description",
            "price",
            "category",
            "stock",
            "active",
            "picture",
            "pictures",
            "on_orders",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "slug", "created_at", "updated_at"]
        extra_kwargs = {
            "title": {"max_length": 200},
            "description": {"max_length": 5000},
            "active": {
                "help_text": "On sale: shoppers see it and may buy it. "
                "`false` takes it off sale; orders placed keep it."
            },
        }

    def __init__(self, *args, merchants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.merchants = list(merchants)
        self.fields["merchant"].queryset = Merchant.objects.filter(
            pk__in=[m.pk for m in self.merchants]
        )
        if self.instance is not None:
            self.fields["merchant"].read_only = True

    @extend_schema_field(ProductPicturesSerializer)
    def get_pictures(self, product) -> dict:
        request = self.context.get("request")
        urls = {
            "large": product.image,
            "detail": product.image_detail,
            "card": product.image_card,
            "thumb": product.image_thumb,
        }
        return {
            size: (
                (request.build_absolute_uri(f.url) if request else f.url) if f else None
            )
            for size, f in urls.items()
        }

    def validate_picture(self, upload):
        return _picture_of(upload)

    def validate(self, data):
        if self.instance is not None and "stock" in self.initial_data:
            raise serializers.ValidationError(
                {
                    "stock": _(
                        "The stock changes only as a movement: POST it to the "
                        "product's stock."
                    )
                }
            )
        if self.instance is None and "merchant" not in data:
            if len(self.merchants) != 1:
                raise serializers.ValidationError(
                    {"merchant": _("Name the shop: you are on the staff of several.")}
                )
            data["merchant"] = self.merchants[0]
        return data


class ProductPictureSerializer(serializers.Serializer):
    picture = serializers.FileField(help_text=PICTURE_HELP)

    def validate_picture(self, upload):
        return _picture_of(upload)


class MerchantProductFilterSerializer(serializers.Serializer):
    """Query parameters of a merchant's product list."""

    search = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Words to find in the title, slug or description.",
    )
    state = serializers.ChoiceField(
        choices=[
            ("on_sale", "On sale"),
            ("off_sale", "Off sale"),
            ("sold_out", "Sold out"),
        ],
        required=False,
    )


class StockMovementSerializer(serializers.ModelSerializer):
    by = serializers.CharField(
        source="user.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who made the change; null for the shop itself (an expiry).",
    )
    order = serializers.CharField(
        source="order.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The order that reserved or returned the stock, if any.",
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "delta",
            "stock_after",
            "reason",
            "note",
            "by",
            "order",
            "created_at",
        ]
        read_only_fields = fields


class StockChangeSerializer(serializers.Serializer):
    """One of `delta` (add or take away) or `stock` (set to a count)."""

    delta = serializers.IntegerField(
        required=False,
        min_value=-MAX_STOCK,
        max_value=MAX_STOCK,
        help_text="Units to add (20) or to take away (-3).",
    )
    stock = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_STOCK,
        help_text="The stock you counted, set in place of the recorded one.",
    )
    expected_stock = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text=(
            "With `stock`: the stock you started from. If orders changed it "
            "meanwhile, the count is refused (409 `stock_changed`) rather than "
            "written over them."
        ),
    )
    reason = serializers.ChoiceField(
        choices=StockMovement.MANUAL_CHOICES,
        help_text=(
            "`restock` adds, `damaged` takes away, `correction` (a count) goes "
            "either way."
        ),
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )

    def validate(self, data):
        if ("delta" in data) == ("stock" in data):
            raise serializers.ValidationError(
                _("Give one of delta (units to add or take away) or stock (a count).")
            )
        if "stock" in data and "expected_stock" not in data:
            raise serializers.ValidationError(
                {"expected_stock": _("This field is required.")}
            )
        return data
