"""One error shape for the whole API: `{"detail": str, "code": str}`.

Invalid input adds `fields` (field name -> messages). Domain errors of the shop,
payments and faceauth become 4xx answers here, never a 500. `detail` is in the
request's language (Accept-Language, through LocaleMiddleware); `code` and the
field names are the same stable English identifiers in every language.
"""

import logging
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from faceauth.exceptions import FaceAuthError
from payments.exceptions import (
    InvalidAmount,
    PasswordLocked,
    PaymentError,
    WrongPassword,
)
from shop.exceptions import InvalidStockChange, PictureRejected, ShopError
from webhooks.exceptions import UnsafeURL, WebhookError

from .exceptions import ApiError

logger = logging.getLogger(__name__)

DOMAIN_ERRORS = (ShopError, PaymentError, FaceAuthError, WebhookError)
# Domain errors are conflicts with the state of things (409) unless listed here.
DOMAIN_STATUS = {
    WrongPassword: 400,
    InvalidAmount: 400,
    PasswordLocked: 429,
    UnsafeURL: 400,
    InvalidStockChange: 400,
    PictureRejected: 400,
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, safe to show a user.")
    code = serializers.CharField(
        help_text="A stable, machine-readable name of the error, e.g. `out_of_stock`."
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Only with `code: invalid`: messages per invalid field, "
            "`non_field_errors` for the body as a whole."
        ),
    )

    class Meta:
        ref_name = "Error"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """Field errors as `{"field": [...], "nested.field": [...]}`."""
    if isinstance(detail, dict):
        flat = {}
        for name, value in detail.items():
            flat.update(_flatten(value, f"{prefix}{name}."))
        return flat
    if isinstance(detail, list) and any(isinstance(v, dict | list) for v in detail):
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_flatten(value, f"{prefix}{index}."))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix.rstrip(".") or "non_field_errors": [str(m) for m in messages]}


def _domain_status(exc) -> int:
    for cls, status in DOMAIN_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 409


def exception_handler(exc, context):
    """DRF's handler, with every error in the API's one shape."""
    if isinstance(exc, DOMAIN_ERRORS):
        logger.info("API %s refused: %r", context["request"].path, exc)
        response = Response(
            {"detail": str(exc), "code": _snake(type(exc).__name__)},
            status=_domain_status(exc),
        )
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, ApiError):
        return Response({"detail": str(exc), "code": exc.code}, exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        invalid = str(exceptions.ValidationError.default_detail)  # DRF translates it
        fields = _flatten(exc.detail) or {"non_field_errors": [invalid]}
        name, messages = next(iter(fields.items()))
        first = messages[0] if messages else invalid
        if name != "non_field_errors":
            # Translators: an API error: the name of an invalid field (an English
            # identifier, keep it) and what is wrong with it.
            first = _("%(field)s: %(message)s") % {"field": name, "message": first}
        response.data = {"detail": first, "code": "invalid", "fields": fields}
    else:
        code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
        response.data = {"detail": str(exc.detail), "code": str(code)}
    return response


# --- declared in the schema of each endpoint ---------------------------------------


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


INVALID = error("Invalid input (`code: invalid`, with `fields`).")
UNAUTHENTICATED = error(
    "Not authenticated, or the token is invalid (`WWW-Authenticate: Token`)."
)
CSRF_FAILED = error(
    "Session authentication without a valid CSRF token (`X-CSRFToken` header)."
)
NOT_FOUND = error("No such resource (or not yours).")
INVALID_PAGE = error("No such page.")
