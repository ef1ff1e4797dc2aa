from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class ShippingForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=255)
    city = forms.CharField(label=_("City"), max_length=120)
    postcode = forms.CharField(label=_("Postcode"), max_length=20)
    country = forms.CharField(label=_("Country"), max_length=80)


class PlaceOrderForm(forms.Form):
    checkout_key = forms.UUIDField(widget=forms.HiddenInput)
    expected_total = forms.DecimalField(
        widget=forms.HiddenInput,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Your account password"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
