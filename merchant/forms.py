from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.models import Order


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Order.Status.choices],
        required=False,
    )
    date_from = forms.DateField(
        label=pgettext_lazy("start of a date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("end of a date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    to_ship = forms.BooleanField(label=_("Only with lines to ship"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Order or customer")}),
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            # Said, not silently "no orders": the end date is left out of the filter.
            self.add_error(
                "date_to",
                # Translators: %(label)s is the label of the start date ("From").
                _("This date is before the “%(label)s” date.")
                % {"label": self.fields["date_from"].label},
            )
        return cleaned

    def filters(self) -> dict:
        """The selector's keyword arguments; invalid fields are simply ignored."""
        self.is_valid()  # cleaned_data keeps the valid fields, drops the invalid ones
        data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "search": data.get("q") or "",
            "to_ship": bool(data.get("to_ship")),
        }
