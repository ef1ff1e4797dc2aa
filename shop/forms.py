from django import forms

from .cart import MAX_QUANTITY
from .selectors import PRODUCT_SORTS


class QuantityForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "invalid": "Enter a whole number of items.",
            "required": "Enter how many you want.",
        },
    )


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("newest", "Newest"),
            ("price", "Price: low to high"),
            ("-price", "Price: high to low"),
            ("title", "Name"),
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
