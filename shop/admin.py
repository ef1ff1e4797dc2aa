from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Cart,
    CartItem,
    Category,
    Merchant,
    Order,
    OrderLine,
    Product,
    StockMovement,
)
from .services import stock_move


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count", "created_at"]
    search_fields = ["name", "slug", "staff__username"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["staff"]

    @admin.display(description=_("Products"))
    def product_count(self, obj):
        return obj.products.count()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "merchant",
        "category",
        "price",
        "stock",
        "active",
        "created_at",
    ]
    list_filter = ["active", "merchant", "category"]
    list_editable = ["active"]
    search_fields = ["title", "slug", "description", "merchant__name"]
    list_select_related = ["merchant", "category__parent"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        # Stock moves only as recorded movements (the merchant's dashboard, orders);
        # pictures come through the dashboard or the API, which check them, strip
        # their metadata and make the sizes the shop shows.
        return ["image", "stock"] if obj is not None else ["image"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        opening, obj.stock = obj.stock, 0
        super().save_model(request, obj, form, change)
        if opening:
            stock_move(
                product=obj,
                delta=opening,
                reason=StockMovement.Reason.INITIAL,
                user=request.user,
            )


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """The stock ledger: read only, as every change is written by the services."""

    list_display = [
        "created_at",
        "product",
        "delta",
        "stock_after",
        "reason",
        "user",
        "order",
    ]
    list_filter = ["reason", "product__merchant"]
    search_fields = ["product__title", "product__slug", "order__number", "note"]
    list_select_related = ["product", "user", "order"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    search_fields = ["user__username"]
    inlines = [CartItemInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = [
        "product",
        "merchant",
        "title",
        "unit_price",
        "quantity",
        "line_total",
    ]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "user",
        "status",
        "total",
        "city",
        "country",
        "created_at",
    ]
    list_filter = ["status", "created_at", "country"]
    search_fields = ["number", "user__username", "user__email", "full_name"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    # Status moves only through the services (stock and money move with it).
    readonly_fields = [
        "number",
        "user",
        "status",
        "total",
        "idempotency_key",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderLineInline]

    def has_add_permission(self, request):
        return False  # orders are placed at checkout, with their payment and stock
