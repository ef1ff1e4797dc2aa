from django import forms
from django.utils.translation import gettext_lazy as _

from shop.models import Merchant

from .exceptions import UnsafeURL
from .models import EventType
from .ssrf import url_check


class EndpointForm(forms.Form):
    merchant = forms.ModelChoiceField(label=_("Shop"), queryset=None, empty_label=None)
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where SmilePay POSTs the events, e.g. https://example.com/hooks"),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    enabled = forms.BooleanField(label=_("On"), required=False, initial=True)

    def __init__(self, *args, merchants, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # an endpoint stays with its shop
            del self.fields["merchant"]
            return
        field = self.fields["merchant"]
        field.queryset = Merchant.objects.filter(pk__in=[m.pk for m in merchants])
        if len(merchants) == 1:
            field.initial = merchants[0].pk
            field.widget = forms.HiddenInput()

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            url_check(url)
        except UnsafeURL as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
