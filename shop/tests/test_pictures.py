"""Uploaded product pictures: checked before decoding, stripped of every piece of
metadata, re-encoded in the sizes the shop shows; anything else refused, saying why."""

import io

import pytest
from PIL import ExifTags, Image

from shop.exceptions import PictureRejected
from shop.pictures import SIZES, picture_prepare

from .pictures import (
    drawing,
    gif_bomb,
    jpeg_bytes,
    phone_photo,
    png_bytes,
    png_claiming,
    upload,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_phone_photo_comes_out_without_its_gps_position_or_any_metadata():
    photo = phone_photo()
    original = opened(photo)
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test has one
    assert original.info.get("icc_profile") and original.info.get("comment")

    picture = picture_prepare(upload(photo))

    for data in (picture.large, picture.detail, picture.card, picture.thumb):
        clean = opened(data)
        assert clean.format == "JPEG"
        assert dict(clean.getexif()) == {}
        assert clean.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(clean.info)
        assert b"SmileCam" not in data and b"taken at home" not in data


def test_a_photo_taken_sideways_comes_out_upright():
    # Orientation 6: the camera was turned; the stored pixels need turning 90° clockwise.
    picture = picture_prepare(upload(phone_photo(orientation=6, size=(640, 480))))

    assert (picture.width, picture.height) == (480, 640)
    large = opened(picture.large).convert("RGB")
    # The white corner (top-left as stored) is now at the top right.
    assert large.getpixel((470, 10)) > (240, 240, 240)
    assert large.getpixel((10, 10))[1] < 100


def test_every_size_the_shop_shows_is_made_with_the_whole_picture_fitted_in():
    picture = picture_prepare(upload(jpeg_bytes(drawing((300, 600)))))  # portrait

    for name, size in SIZES.items():
        image = opened(getattr(picture, name)).convert("RGB")
        assert image.size == size, name
        # Fitted, not cropped: white bands at the sides, the picture in the middle.
        assert image.getpixel((2, size[1] // 2)) > (240, 240, 240), name
        red, green, _blue = image.getpixel((size[0] // 2, size[1] // 2))
        assert red > 150 and green < 100, name
    assert (picture.width, picture.height) == (300, 600)  # never enlarged


def test_a_large_picture_is_kept_at_1600_px_on_its_longer_side():
    picture = picture_prepare(upload(jpeg_bytes(drawing((4000, 3000)))))

    assert (picture.width, picture.height) == (1600, 1200)
    assert opened(picture.large).size == (1600, 1200)


@pytest.mark.parametrize(
    ("image", "name"),
    [
        (drawing(mode="RGBA"), "png with transparency"),
        (drawing(mode="L"), "grey"),
        (drawing().convert("P"), "palette"),
    ],
)
def test_pngs_of_any_kind_become_rgb_jpegs(image, name):
    picture = picture_prepare(upload(png_bytes(image), "p.png", "image/png"))

    assert opened(picture.card).mode == "RGB", name


def test_transparency_is_laid_on_white():
    see_through = Image.new("RGBA", (400, 300), (0, 0, 0, 0))

    picture = picture_prepare(upload(png_bytes(see_through), "p.png", "image/png"))

    assert opened(picture.card).convert("RGB").getpixel((200, 150)) > (245, 245, 245)


def test_a_cmyk_jpeg_and_a_webp_and_an_animated_gif_are_read():
    cmyk = jpeg_bytes(drawing().convert("CMYK"))
    webp = io.BytesIO()
    drawing().save(webp, "WEBP")
    gif = io.BytesIO()
    frames = [drawing(colour=c).convert("P") for c in ((200, 0, 0), (0, 0, 200))]
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])

    for data in (cmyk, webp.getvalue(), gif.getvalue()):
        assert opened(picture_prepare(upload(data)).card).mode == "RGB"


# --- refused, with a reason -----------------------------------------------------------

NOT_A_PICTURE = "This file is not a picture: upload a JPEG, PNG, WebP or GIF."
DAMAGED = "The picture is damaged or incomplete: upload it again, or another."


def refusal(data: bytes, name="picture.jpg") -> str:
    with pytest.raises(PictureRejected) as refused:
        picture_prepare(upload(data, name))
    return str(refused.value)


def test_a_text_file_named_jpg_is_not_a_picture():
    assert refusal(b"Dear shop,\nthis is not a photo.\n" * 20) == NOT_A_PICTURE


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"0" * 500,
        b"<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>",
        b"BM" + b"\0" * 200,  # a BMP header: not a format the shop takes
    ],
    ids=["pdf", "svg", "bmp"],
)
def test_other_files_are_not_pictures(data):
    assert refusal(data) == NOT_A_PICTURE


def test_a_truncated_jpeg_is_damaged():
    whole = jpeg_bytes(drawing((800, 600)))

    assert refusal(whole[: len(whole) // 2]) == DAMAGED


def test_a_png_with_a_broken_checksum_is_damaged():
    data = bytearray(png_bytes(drawing()))
    data[-20] ^= 0xFF  # inside the image data: its CRC no longer matches

    assert refusal(bytes(data), "p.png") in (DAMAGED, NOT_A_PICTURE)


def test_a_jpeg_of_thousands_of_scans_is_refused_before_decoding():
    data = jpeg_bytes() + b"\xff\xda\x00\x08" * 200

    assert refusal(data) == DAMAGED


def test_a_png_claiming_huge_dimensions_is_refused_before_decoding():
    assert refusal(png_claiming(7000, 7000), "big.png") == (
        "The picture is 7000 × 7000 pixels (49 megapixels): 40 megapixels at most."
    )


def test_a_png_past_pillows_own_bomb_limit_is_refused_too():
    assert refusal(png_claiming(30000, 30000), "bomb.png") == (
        "The picture has too many pixels: 40 megapixels at most."
    )


def test_a_gif_bomb_is_refused_before_decoding():
    bomb = gif_bomb()
    assert len(bomb) < 100

    assert "too many pixels" in refusal(bomb, "bomb.gif")


def test_the_pixel_limit_is_a_setting(settings):
    settings.SHOP_PICTURE_MAX_PIXELS = 200_000

    assert refusal(jpeg_bytes(drawing((640, 480)))) == (
        "The picture is 640 × 480 pixels (0 megapixels): 0.2 megapixels at most."
    )


def test_a_file_over_the_size_limit_is_refused_unread(settings):
    settings.SHOP_PICTURE_MAX_BYTES = 10 * 1024 * 1024

    class Huge:
        size = 11 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("read a file over the limit")

    with pytest.raises(PictureRejected) as refused:
        picture_prepare(Huge())
    assert str(refused.value) == (
        "The file is 11.0\xa0MB; a picture may be 10.0\xa0MB at most."
    )


def test_a_file_that_grows_past_the_limit_as_it_is_read_is_refused(settings):
    settings.SHOP_PICTURE_MAX_BYTES = 1000

    class Lying:
        size = 10

        def read(self, n):
            return b"x" * n

    with pytest.raises(PictureRejected, match="at most"):
        picture_prepare(Lying())


def test_an_empty_file_and_a_tiny_picture_are_refused():
    assert refusal(b"") == "The file is empty."
    assert refusal(jpeg_bytes(drawing((60, 40)))) == (
        "The picture is 60 × 40 pixels: it needs at least 100 on each side."
    )
