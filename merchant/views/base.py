"""What every page of the merchant dashboard shares: only a shop's staff come in."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from shop.selectors import merchants_of

PAGE_SIZE = 20


class MerchantStaffMixin(LoginRequiredMixin):
    """Only a merchant's staff; everyone else signed in gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.merchants = list(merchants_of(user=request.user))
        if not self.merchants:
            raise PermissionDenied(_("This page is for a shop's staff."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("merchants", self.merchants)  # named in the merchant menu
        return super().get_context_data(**kwargs)
