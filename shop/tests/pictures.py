"""Pictures for the tests, drawn with Pillow: honest ones, and ones built to hurt."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms

# Where the test photo claims it was taken: Shanghai, the Bund.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (31.0, 14.0, 24.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (121.0, 29.0, 2.0),
}


def drawing(size=(640, 480), colour=(200, 40, 40), mode="RGB") -> Image.Image:
    """A plain picture with a white square in its top-left quarter, so that which
    way up it came out can be told."""
    image = Image.new(mode, size, colour if mode == "RGB" else 128)
    corner = Image.new(mode, (size[0] // 4, size[1] // 4), "white")
    image.paste(corner, (0, 0))
    return image


def jpeg_bytes(image=None, **options) -> bytes:
    out = io.BytesIO()
    (image or drawing()).save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def phone_photo(*, orientation=1, size=(640, 480)) -> bytes:
    """A JPEG as a phone writes it: camera, time, GPS position, a comment, an sRGB
    ICC profile and an orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SmileCam"
    exif[ExifTags.Base.Model] = "Pocket 3"
    exif[ExifTags.Base.DateTime] = "2026:11:02 09:41:00"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return jpeg_bytes(
        drawing(size), exif=exif, icc_profile=srgb, comment=b"taken at home"
    )


def png_bytes(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def upload(data: bytes, name="picture.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body))
    )


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that declare a width × height PNG: a decompression bomb
    if anyone decoded it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 4096, 9))
        + _chunk(b"IEND", b"")
    )


def gif_bomb(width=65535, height=65535) -> bytes:
    """A GIF of a few dozen bytes whose screen and only frame are width × height."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"  # a global palette of two colours
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, width, height, 0)
        + b"\x02\x02\x44\x01\x00"  # LZW minimum code size, one tiny block
        + b"\x3b"
    )
