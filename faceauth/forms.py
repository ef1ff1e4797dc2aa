from django import forms

from accounts import throttle
from accounts.exceptions import TooManyAttempts

from . import engine
from .services import ENROL_MAX_IMAGES

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree to SmilePay storing encrypted face templates to confirm my "
        "payments, as described above.",
        error_messages={"required": "Tick the box to agree, or go back."},
    )


class PasswordConfirmForm(forms.Form):
    """The account password again, before a face can be enrolled on this account."""

    password = forms.CharField(
        label="Your account password",
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
                "That password is not right.", code="password_incorrect"
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
        label="Photo of your face",
        required=False,
        widget=MultipleImageInput(attrs={"accept": IMAGE_TYPES}),
        help_text="One to five clear photos, facing the camera, only you in them.",
    )

    def clean(self):
        files = self.files.getlist("frames") or self.files.getlist("photo")
        if not files:
            raise forms.ValidationError("Choose a photo of your face.")
        if len(files) > ENROL_MAX_IMAGES:
            raise forms.ValidationError(f"Send at most {ENROL_MAX_IMAGES} pictures.")
        for upload in files:
            if upload.size > engine.PHOTO_MAX_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is larger than "
                    f"{engine.PHOTO_MAX_BYTES // (1024 * 1024)} MB."
                )
        self.cleaned_data["images"] = [upload.read() for upload in files]
        self.cleaned_data["from_webcam"] = bool(self.files.getlist("frames"))
        return self.cleaned_data
