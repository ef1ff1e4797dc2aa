from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.cart import CartSession
from shop.models import Product
from shop.selectors import product_get, product_get_active

from ..errors import CSRF_FAILED, INVALID, NOT_FOUND, UNAUTHENTICATED, error
from ..exceptions import NotInCart
from ..selectors import cart_read
from ..serializers import CartAddSerializer, CartQuantitySerializer, CartSerializer

CART_REFUSED = error(
    "The product cannot be had in that quantity: `out_of_stock` or "
    "`product_unavailable`."
)


def _product(slug, *, active=True):
    try:
        return product_get_active(slug=slug) if active else product_get(slug=slug)
    except Product.DoesNotExist:
        raise NotFound(_("No such product.")) from None


def _cart_response(request, cart):
    return Response(
        CartSerializer(cart_read(cart=cart), context={"request": request}).data
    )


class CartView(APIView):
    @extend_schema(
        summary="Your cart",
        responses={200: CartSerializer, 401: UNAUTHENTICATED},
    )
    def get(self, request):
        return _cart_response(request, CartSession(request))


class CartItemAddView(APIView):
    @extend_schema(
        summary="Add a product to your cart",
        description="Adds to the quantity already in the cart; answers the cart.",
        request=CartAddSerializer,
        responses={
            200: CartSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            404: NOT_FOUND,
            409: CART_REFUSED,
        },
    )
    def post(self, request):
        serializer = CartAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = _product(serializer.validated_data["product"])
        cart = CartSession(request)
        cart.add(product=product, quantity=serializer.validated_data["quantity"])
        return _cart_response(request, cart)


class CartItemView(APIView):
    """One product's line in your cart."""

    @extend_schema(
        summary="Change the quantity of a product in your cart",
        request=CartQuantitySerializer,
        responses={
            200: CartSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            404: error("No such product, or it is not in your cart."),
            409: CART_REFUSED,
        },
    )
    def patch(self, request, slug):
        serializer = CartQuantitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = _product(slug)
        cart = CartSession(request)
        if product.pk not in cart.quantities():
            raise NotInCart(_("That product is not in your cart."))
        cart.set(product=product, quantity=serializer.validated_data["quantity"])
        return _cart_response(request, cart)

    @extend_schema(
        summary="Remove a product from your cart",
        request=None,
        responses={
            200: CartSerializer,
            401: UNAUTHENTICATED,
            403: CSRF_FAILED,
            404: error("No such product, or it is not in your cart."),
        },
    )
    def delete(self, request, slug):
        # Withdrawn products can still be taken out of a cart.
        product = _product(slug, active=False)
        cart = CartSession(request)
        if product.pk not in cart.quantities():
            raise NotInCart(_("That product is not in your cart."))
        cart.remove(product=product)
        return _cart_response(request, cart)
