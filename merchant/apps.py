from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantConfig(AppConfig):
    name = "merchant"
    verbose_name = _("Merchant dashboard")
