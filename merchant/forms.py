from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.exceptions import PictureRejected
from shop.models import MAX_PRICE, MIN_PRICE, Merchant, Order, StockMovement
from shop.pictures import ACCEPT, picture_prepare
from shop.selectors import category_choices
from shop.services import MAX_STOCK


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


# --- products ---------------------------------------------------------------------


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Title or description")}),
    )
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All products")),
            ("on_sale", _("On sale")),
            ("off_sale", _("Off sale")),
            ("sold_out", _("Sold out")),
        ],
    )

    def filters(self) -> dict:
        """The selector's keyword arguments; invalid fields are simply ignored."""
        self.is_valid()
        data = self.cleaned_data
        return {"search": data.get("q") or "", "state": data.get("state") or ""}


class ProductForm(forms.Form):
    """A product as staff add or edit it; the picture is checked and re-encoded
    here (shop.pictures), so a refused one is an error on its field."""

    merchant = forms.ModelChoiceField(label=_("Shop"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    price = forms.DecimalField(
        label=_("Price"),
        min_value=MIN_PRICE,
        max_value=MAX_PRICE,
        max_digits=10,
        decimal_places=2,
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=None)
    stock = forms.IntegerField(
        label=_("Stock"),
        min_value=0,
        max_value=MAX_STOCK,
        initial=0,
        help_text=_("Units on the shelf, ready to sell."),
    )
    stock_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)
    picture = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_(
            "JPEG, PNG, WebP or GIF, up to %(size)s and %(pixels)s megapixels. "
            "Its location and camera details are removed."
        ),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    remove_picture = forms.BooleanField(label=_("Remove the picture"), required=False)
    active = forms.BooleanField(
        label=_("On sale (shoppers see it in the shop)"), required=False, initial=True
    )

    def __init__(self, *args, merchants, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.fields["category"].queryset = category_choices()
        self.fields["picture"].help_text %= {
            "size": filesizeformat(settings.SHOP_PICTURE_MAX_BYTES),
            "pixels": f"{settings.SHOP_PICTURE_MAX_PIXELS / 1_000_000:g}",
        }
        if product is not None:  # a product stays with its shop
            del self.fields["merchant"]
            self.fields["stock"].help_text = _(
                "Units on the shelf. Orders placed while you edit change it: if they "
                "do, you are asked to check the new figure before it is saved."
            )
            if not product.image:
                del self.fields["remove_picture"]
        else:
            del self.fields["stock_seen"], self.fields["remove_picture"]
            field = self.fields["merchant"]
            field.queryset = Merchant.objects.filter(pk__in=[m.pk for m in merchants])
            if len(merchants) == 1:
                field.initial = merchants[0].pk
                field.widget = forms.HiddenInput()

    @classmethod
    def for_product(cls, product, *, merchants):
        """The edit form of `product`, filled with what it holds now."""
        return cls(
            merchants=merchants,
            product=product,
            initial={
                "title": product.title,
                "description": product.description,
                "price": product.price,
                "category": product.category_id,
                "stock": product.stock,
                "stock_seen": product.stock,
                "active": product.active,
            },
        )

    def clean_picture(self):
        upload = self.cleaned_data.get("picture")
        if not upload:
            return None
        try:
            return picture_prepare(upload)
        except PictureRejected as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if self.product is not None and cleaned.get("stock_seen") is None:
            cleaned["stock_seen"] = self.product.stock
        return cleaned

    def with_stock_seen(self, current: int) -> "ProductForm":
        """This form again, as sent, but starting from the stock as it is now: shown
        after StockChanged, so that saving again applies the count. A browser
        cannot be given a file back: a picture sent must be chosen again."""
        data = self.data.copy()
        data["stock_seen"] = str(current)
        form = type(self)(data, merchants=(), product=self.product)
        form.is_valid()
        if self.files.get("picture"):
            form.add_error("picture", _("Nothing was saved: choose the picture again."))
        return form


class StockAdjustForm(forms.Form):
    change = forms.IntegerField(
        label=_("Change"),
        min_value=-MAX_STOCK,
        max_value=MAX_STOCK,
        help_text=_("Units to add (20) or to take away (-3)."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=StockMovement.MANUAL_CHOICES,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. delivery 4411")}),
    )
