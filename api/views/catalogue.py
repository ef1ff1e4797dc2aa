from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny

from shop.models import Product
from shop.selectors import category_roots, product_get_active

from ..errors import INVALID, INVALID_PAGE, NOT_FOUND, UNAUTHENTICATED
from ..selectors import product_search
from ..serializers import CategorySerializer, ProductFilterSerializer, ProductSerializer


@extend_schema_view(
    get=extend_schema(
        summary="List products for sale",
        parameters=[ProductFilterSerializer],
        responses={
            200: ProductSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            404: INVALID_PAGE,
        },
    )
)
class ProductListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductSerializer

    def get_queryset(self):
        filters = ProductFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return product_search(
            category=data.get("category"),
            merchant=data.get("merchant", ""),
            query=data.get("search", ""),
            sort=data["ordering"],
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=data.get("in_stock"),
        )


@extend_schema_view(
    get=extend_schema(
        summary="One product for sale",
        responses={200: ProductSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
)
class ProductDetailView(RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProductSerializer

    def get_object(self):
        try:
            return product_get_active(slug=self.kwargs["slug"])
        except Product.DoesNotExist:
            raise NotFound(_("No such product.")) from None


@extend_schema_view(
    get=extend_schema(
        summary="The category tree",
        responses={200: CategorySerializer(many=True), 401: UNAUTHENTICATED},
    )
)
class CategoryListView(ListAPIView):
    """Top-level categories, each with its subcategories (not paginated)."""

    permission_classes = [AllowAny]
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return category_roots()
