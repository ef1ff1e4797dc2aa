from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from shop.selectors import merchants_of


class IsMerchantStaff(permissions.BasePermission):
    """Signed in and on the staff of at least one merchant."""

    message = _("This is for a shop's staff.")

    def has_permission(self, request, view):
        return bool(
            request.user
            and request.user.is_authenticated
            and merchants_of(user=request.user).exists()
        )
