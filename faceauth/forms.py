from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import throttle
from accounts.exceptions import TooManyAttempts

from . import engine
from .services import ENROL_MAX_IMAGES

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=gettext_lazy(
            "I agree to SmilePay storing encrypted face templates to confirm my "
            "payments, as described above."
        ),
        error_messages={"required": gettext_lazy("Tick the box to agree, or go back.")},
    )


class PasswordConfirmForm(forms.Form):
    """The account password again, before a face can be enrolled on this account."""

    password = forms.CharField(
        label=gettext_lazy("Your account password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        """Checked like a login, on the same count: a stolen session cannot guess
        the password here instead."""
        password = self.cleaned_data["password"]
        try:
            right = throttle.password_check(user=self.user, password=password)
        except TooManyAttempts as refused:
            raise forms.ValidationError(str(refused), code="throttled") from None
        if not right:
            raise forms.ValidationError(
                _("That password is not right."), code="password_incorrect"
            )
        return password


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A FileField that accepts the list of files MultipleImageInput returns."""

    def clean(self, data, initial=None):
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return clean_one(data, initial)


class EnrollForm(forms.Form):
    """Pictures for enrolment: uploaded photos (`photo`), or the webcam frames that
    static/js/face-enrol.js sends as `frames` files."""

    photo = MultipleFileField(
        label=gettext_lazy("Photo of your face"),
        required=False,
        widget=MultipleImageInput(attrs={"accept": IMAGE_TYPES}),
        help_text=gettext_lazy(
            "One to five clear photos, facing the camera, only you in them."
        ),
    )

    def clean(self):
        files = self.files.getlist("frames") or self.files.getlist("photo")
        if not files:
            raise forms.ValidationError(_("Choose a photo of your face."))
        if len(files) > ENROL_MAX_IMAGES:
            raise forms.ValidationError(
                _("Send at most %(count)d pictures.") % {"count": ENROL_MAX_IMAGES}
            )
        for upload in files:
            if upload.size > engine.PHOTO_MAX_BYTES:
                raise forms.ValidationError(
                    # Translators: a file name, then its largest size in megabytes.
                    _("%(name)s is larger than %(megabytes)d MB.")
                    % {
                        "name": upload.name,
                        "megabytes": engine.PHOTO_MAX_BYTES // (1024 * 1024),
                    }
                )
        self.cleaned_data["images"] = [upload.read() for upload in files]
        self.cleaned_data["from_webcam"] = bool(self.files.getlist("frames"))
        return self.cleaned_data
