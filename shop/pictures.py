"""Product pictures: the only code that reads a picture staff upload.

An upload is checked before any pixel is decoded (byte size, format, pixel count,
and a JPEG's number of scans), then decoded whole, turned upright as its EXIF
orientation says, converted to sRGB, and drawn onto a new image from its pixels
alone: no EXIF (GPS position, camera, times), XMP, comment or ICC profile survives.
What is stored is re-encoded JPEG only, in the sizes the shop shows (SIZES).
Nothing here touches the database or the storage.
"""

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .exceptions import PictureRejected

# What Pillow may open. Its JPEG reader also opens many phones' photos as MPO (a
# JPEG followed by depth or preview images); of a GIF or MPO only the first
# picture is used.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"  # the file picker's hint
MIN_SIDE = 100
# libjpeg decodes a progressive JPEG once per scan: thousands of tiny scans each
# sweeping the whole image cost minutes of CPU. Encoders write about ten (the face
# engine found this first: faceauth/engine.py keeps its own copy of the rule).
MAX_JPEG_SCANS = 100

# Each size the shop shows, as (width, height): the product page (800 × 600), the
# catalogue's cards (400 × 300, and the product page's size on high-density
# screens), the cart (64 × 48 shown, twice that stored). Each is the whole picture
# fitted in and centred on white, never cropped. `large` keeps the picture's own
# shape, up to 1600 px on its longer side.
LARGE = (1600, 1600)
SIZES = {"detail": (800, 600), "card": (400, 300), "thumb": (128, 96)}
WHITE = (255, 255, 255)
JPEG_OPTIONS = {"quality": 85, "optimize": True, "progressive": True}
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Picture:
    """A checked picture, re-encoded: the JPEG bytes of each size the shop keeps."""

    large: bytes
    detail: bytes
    card: bytes
    thumb: bytes
    width: int
    height: int


def picture_prepare(upload) -> Picture:
    """Check an uploaded file (anything with `size` and `read()`) and return the
    clean picture in every size; raise PictureRejected, saying why, otherwise."""
    data = _read_within_limit(upload)
    image = _open_checked(data)
    try:
        image.draft("RGB", LARGE)  # a large JPEG decodes at 1/2, 1/4 or 1/8 scale
        image.load()
        upright = ImageOps.exif_transpose(image)
        clean = _pixels_only(_in_srgb(upright))
    except Exception as error:  # noqa: BLE001 - truncated or corrupt pixel data
        raise _damaged() from error
    large = clean.copy()
    large.thumbnail(LARGE, Image.Resampling.LANCZOS)
    fitted = {
        name: ImageOps.pad(clean, size, method=Image.Resampling.LANCZOS, color=WHITE)
        for name, size in SIZES.items()
    }
    return Picture(
        large=_jpeg(large),
        width=large.width,
        height=large.height,
        **{name: _jpeg(image) for name, image in fitted.items()},
    )


def _read_within_limit(upload) -> bytes:
    limit = settings.SHOP_PICTURE_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_large(size, limit)
    if hasattr(upload, "seek"):
        upload.seek(0)  # read from its start, however often it is checked
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if not data:
        raise PictureRejected(_("The file is empty."))
    return data


def _too_large(size: int, limit: int) -> PictureRejected:
    return PictureRejected(
        _("The file is %(size)s; a picture may be %(limit)s at most.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    )


def _open_checked(data: bytes) -> Image.Image:
    """Open the picture from its headers alone and check what decoding it would
    cost; verify() reads it through once (a PNG's checksums), then it is reopened."""
    not_a_picture = PictureRejected(
        _("This file is not a picture: upload a JPEG, PNG, WebP or GIF.")
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP and refuses from 179 MP; ours is lower.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise not_a_picture from error
    except Exception as error:  # noqa: BLE001 - a hostile header may raise anything
        raise not_a_picture from error
    width, height = image.size
    if width * height > settings.SHOP_PICTURE_MAX_PIXELS:
        raise _too_many_pixels(width, height)
    if min(width, height) < MIN_SIDE:
        raise PictureRejected(
            _(
                "The picture is %(width)d × %(height)d pixels: it needs at least "
                "%(min)d on each side."
            )
            % {"width": width, "height": height, "min": MIN_SIDE}
        )
    if image.format in ("JPEG", "MPO") and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise _damaged()
    try:
        image.verify()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=FORMATS)
    except Exception as error:  # noqa: BLE001 - corrupt data found by verify()
        raise _damaged() from error


def _damaged() -> PictureRejected:
    return PictureRejected(
        _("The picture is damaged or incomplete: upload it again, or another.")
    )


def _too_many_pixels(width: int | None = None, height: int | None = None):
    limit = settings.SHOP_PICTURE_MAX_PIXELS / 1_000_000
    if width is None:
        return PictureRejected(
            _("The picture has too many pixels: %(limit)g megapixels at most.")
            % {"limit": limit}
        )
    return PictureRejected(
        _(
            "The picture is %(width)d × %(height)d pixels (%(size).0f megapixels): "
            "%(limit)g megapixels at most."
        )
        % {
            "width": width,
            "height": height,
            "size": width * height / 1_000_000,
            "limit": limit,
        }
    )


def _in_srgb(image: Image.Image) -> Image.Image:
    """The picture's colours in sRGB, as browsers assume: through its ICC profile
    when it has a usable one (a phone's Display P3, a print shop's CMYK)."""
    if image.mode in ("P", "PA", "LA", "I", "I;16", "F", "1"):
        image = image.convert("RGBA")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            return ImageCms.profileToProfile(
                image,
                io.BytesIO(profile),
                _SRGB,
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unusable profile: the pixels as they are
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels, transparency laid on white: it
    carries none of the file's metadata, whatever the encoder would copy."""
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, WHITE)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **JPEG_OPTIONS)
    return out.getvalue()
