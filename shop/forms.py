from django import forms
from django.utils.translation import gettext_lazy as _

from .cart import MAX_QUANTITY
from .selectors import PRODUCT_SORTS


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "invalid": _("Enter a whole number of items."),
            "required": _("Enter how many you want."),
        },
    )


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("newest", _("Newest")),
            ("price", _("Price: low to high")),
            ("-price", _("Price: high to low")),
            # Translators: sorting the products by their name.
            ("title", _("Name")),
        ],
    )

    def cleaned(self):
        """Return (query, sort) with bad values falling back to the defaults."""
        if not self.is_valid():
            return "", "newest"
        sort = self.cleaned_data.get("sort") or "newest"
        return self.cleaned_data.get(
            "q", ""
        ), sort if sort in PRODUCT_SORTS else "newest"
