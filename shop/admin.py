from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Cart, CartItem, Category, Merchant, Order, OrderLine, Product


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
