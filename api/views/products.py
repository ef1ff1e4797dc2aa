"""A merchant's own products, their pictures and stock, for its staff only."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.exceptions import InvalidStockChange
from shop.models import Product
from shop.selectors import merchant_product_get, merchant_products, stock_movements_of
from shop.services import (
    product_create,
    product_delete,
    product_picture_remove,
    product_picture_set,
    product_update,
    stock_adjust,
    stock_set,
)

from ..errors import INVALID, INVALID_PAGE, error
from ..serializers import (
    MerchantProductFilterSerializer,
    MerchantProductSerializer,
    ProductPictureSerializer,
    StockChangeSerializer,
    StockMovementSerializer,
)
from .merchant import STAFF_ONLY, MerchantView

ONE = {404: error("No such product in your shops."), **STAFF_ONLY}
INVALID_PICTURE = error(
    "Invalid input (`code: invalid`, with `fields`): a picture that is not one, "
    "is damaged, or is over the size or pixel limits is refused on `picture`."
)


class _ProductView(MerchantView, APIView):
    def product(self, pk) -> Product:
        try:
            return merchant_product_get(merchants=self.merchants, pk=pk)
        except Product.DoesNotExist:
            raise NotFound(_("No such product in your shop.")) from None

    def answer(self, product, status_code=status.HTTP_200_OK) -> Response:
        product = self.product(product.pk)  # as stored, with `on_orders`
        serializer = MerchantProductSerializer(
            product, context={"request": self.request}
        )
        return Response(serializer.data, status=status_code)


@extend_schema_view(
    get=extend_schema(
        summary="Your shops' products, newest first",
        parameters=[MerchantProductFilterSerializer],
        responses={
            200: MerchantProductSerializer(many=True),
            400: INVALID,
            404: INVALID_PAGE,
            **STAFF_ONLY,
        },
    ),
    post=extend_schema(
        summary="Add a product to your shop",
        description=(
            "JSON, or multipart with a `picture`. `stock` is the opening stock, "
            "recorded as its first movement."
        ),
        request={
            "application/json": MerchantProductSerializer,
            "multipart/form-data": MerchantProductSerializer,
        },
        responses={201: MerchantProductSerializer, 400: INVALID_PICTURE, **STAFF_ONLY},
    ),
)
class MerchantProductListView(_ProductView, ListAPIView):
    serializer_class = MerchantProductSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        filters = MerchantProductFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return merchant_products(merchants=self.merchants, **filters.validated_data)

    def post(self, request):
        serializer = MerchantProductSerializer(
            data=request.data, merchants=self.merchants
        )
        serializer.is_valid(raise_exception=True)
        product = product_create(user=request.user, **serializer.validated_data)
        return self.answer(product, status.HTTP_201_CREATED)


class MerchantProductDetailView(_ProductView):
    @extend_schema(
        summary="One of your products",
        responses={200: MerchantProductSerializer, **ONE},
    )
    def get(self, request, pk):
        return self.answer(self.product(pk))

    @extend_schema(
        summary="Change a product's words, price, category, or take it off sale",
        description=(
            "`active: false` takes it off sale (shoppers no longer see it; orders "
            "placed keep it), `true` puts it back. The stock changes only through "
            "`POST .../stock/`, the picture through `.../picture/`."
        ),
        request=MerchantProductSerializer,
        responses={200: MerchantProductSerializer, 400: INVALID, **ONE},
    )
    def patch(self, request, pk):
        product = self.product(pk)
        serializer = MerchantProductSerializer(
            product, data=request.data, partial=True, merchants=self.merchants
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = product_update(
            product=product,
            user=request.user,
            title=data.get("title", product.title),
            description=data.get("description", product.description),
            price=data.get("price", product.price),
            category=data.get("category", product.category),
            active=data.get("active", product.active),
        )
        return self.answer(product)

    @extend_schema(
        summary="Delete a product no order names",
        description="A product on orders is refused: take it off sale instead.",
        responses={
            204: None,
            409: error("`product_has_orders`: orders name it; deactivate it."),
            **ONE,
        },
    )
    def delete(self, request, pk):
        product_delete(product=self.product(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MerchantProductPictureView(_ProductView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Give a product a picture, in place of its old one",
        request={"multipart/form-data": ProductPictureSerializer},
        responses={200: MerchantProductSerializer, 400: INVALID_PICTURE, **ONE},
    )
    def post(self, request, pk):
        product = self.product(pk)
        serializer = ProductPictureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product_picture_set(
            product=product, picture=serializer.validated_data["picture"]
        )
        return self.answer(product)

    @extend_schema(
        summary="Remove a product's picture",
        responses={200: MerchantProductSerializer, **ONE},
    )
    def delete(self, request, pk):
        return self.answer(product_picture_remove(product=self.product(pk)))


@extend_schema_view(
    get=extend_schema(
        summary="A product's stock movements, latest first",
        description=(
            "Every change of its stock: orders reserving and returning it, and your "
            "staff's restocks, counts and write-offs. The product's `stock` is the "
            "sum of their `delta`s."
        ),
        responses={
            200: StockMovementSerializer(many=True),
            404: error("No such product in your shops, or no such page."),
            **STAFF_ONLY,
        },
    ),
    post=extend_schema(
        summary="Record a change of a product's stock",
        description=(
            "`delta` adds or takes away units; `stock` with `expected_stock` sets "
            "the count you made, and is refused with 409 `stock_changed` if orders "
            "changed the stock since you read `expected_stock` (read it again and "
            "retry): never written over them. Either way the product's row is "
            "locked, so an order placed at the same moment is never lost."
        ),
        request=StockChangeSerializer,
        responses={
            201: StockMovementSerializer,
            400: error(
                "Invalid input (`invalid`), or `invalid_stock_change`: a restock "
                "that takes away, damaged units added, nothing to change, or a "
                "stock above 1,000,000."
            ),
            409: error(
                "`stock_too_low` (fewer units on the shelf than taken away) or "
                "`stock_changed` (not the `expected_stock` any more)."
            ),
            **ONE,
        },
    ),
)
class MerchantProductStockView(_ProductView, ListAPIView):
    serializer_class = StockMovementSerializer

    def get_queryset(self):
        return stock_movements_of(product=self.product(self.kwargs["pk"]))

    def post(self, request, pk):
        product = self.product(pk)
        serializer = StockChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "delta" in data:
            movement = stock_adjust(
                product=product,
                delta=data["delta"],
                reason=data["reason"],
                note=data["note"],
                user=request.user,
            )
        else:
            movement = stock_set(
                product=product,
                stock=data["stock"],
                seen=data["expected_stock"],
                reason=data["reason"],
                note=data["note"],
                user=request.user,
            )
        if movement is None:
            raise InvalidStockChange(
                _("The stock is already %(stock)d: nothing to record.")
                % {"stock": data["stock"]}
            )
        return Response(
            StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED
        )
