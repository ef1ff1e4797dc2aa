"""The picture checks fuzzed: whatever the bytes, `picture_prepare` returns a clean
picture in every size or raises PictureRejected, and quickly.

Derandomized, with no example database: every run tries the same inputs.
"""

import io
from datetime import timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from shop.exceptions import PictureRejected
from shop.pictures import SIZES, picture_prepare

from .pictures import drawing, phone_photo, upload

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=3),  # a noisy machine; a hang takes far longer
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings(r"ignore::UserWarning:PIL\..*"),
]


def _encoded(image, fmt, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@cache
def seeds() -> tuple[bytes, ...]:
    """Small valid pictures of each format the shop takes, and of the modes and
    options the checks branch on."""
    rgb = drawing((160, 120))
    rgba = drawing((160, 120), mode="RGBA")
    return (
        phone_photo(orientation=6, size=(160, 120)),
        _encoded(rgb, "JPEG", progressive=True),
        _encoded(rgb.convert("CMYK"), "JPEG"),
        _encoded(rgb, "PNG"),
        _encoded(rgba, "PNG"),
        _encoded(rgb.convert("P"), "PNG", transparency=0),
        _encoded(rgb, "WEBP", quality=50),
        _encoded(rgb.convert("P"), "GIF"),
    )


def _check(data: bytes) -> None:
    try:
        picture = picture_prepare(upload(data))
    except PictureRejected as refused:
        assert str(refused)
        event(f"refused: {str(refused)[:30]}")
        return
    event("accepted")
    for name, size in SIZES.items():
        with Image.open(io.BytesIO(getattr(picture, name))) as image:
            assert (image.format, image.size) == ("JPEG", size), name
            assert not image.getexif()


@FUZZ
@given(data=st.binary(max_size=4096))
def test_any_bytes_are_a_clean_picture_or_a_refusal(data):
    _check(data)


@FUZZ
@given(
    seed=st.integers(0, 7),
    edits=st.lists(
        # Mostly past the headers, where decoders meet damaged pixel data.
        st.tuples(
            st.one_of(st.floats(0, 1), st.floats(0.3, 1)),
            st.binary(min_size=1, max_size=8),
        ),
        max_size=6,
    ),
    cut=st.one_of(st.just(1.0), st.floats(0.05, 1)),
)
def test_damaged_pictures_are_a_clean_picture_or_a_refusal(seed, edits, cut):
    data = bytearray(seeds()[seed])
    for where, new in edits:
        at = int(where * (len(data) - 1))
        data[at : at + len(new)] = new
    _check(bytes(data[: max(1, int(len(data) * cut))]))
