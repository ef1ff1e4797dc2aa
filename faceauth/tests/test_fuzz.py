"""The frame decoder fuzzed: whatever the bytes, `engine.decode_image` returns an RGB
uint8 array within the pixel cap or raises FrameRejected with a Reason, and quickly.

Every test is derandomized and keeps no example database: CI and a laptop run the
same examples, a failure reproduces by running the test again, and nothing is
written into the work tree. Exploring beyond these examples is atheris's job
(fuzz/README.md).
"""

import io
import struct
import zlib
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import ExifTags, Image, ImageCms

from faceauth import engine
from faceauth.engine import FrameRejected, Reason

FACES_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "faces"
FRAME_LIMITS = {
    "max_bytes": engine.FRAME_MAX_BYTES,
    "max_pixels": engine.FRAME_MAX_PIXELS,
}
PHOTO_LIMITS = {  # as engine.decode_photo
    "max_bytes": engine.PHOTO_MAX_BYTES,
    "max_pixels": engine.PHOTO_MAX_PIXELS,
    "jpeg_target_pixels": engine.PHOTO_JPEG_TARGET_PIXELS,
}

# A generous per-input deadline: the machine is noisy, and a hang takes far longer.
FUZZ = settings(
    max_examples=500,
    deadline=timedelta(seconds=2),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=100)
pytestmark = [
    pytest.mark.timeout(60),
    # Pillow warns about the corrupt EXIF and MPO data these tests make on purpose.
    pytest.mark.filterwarnings(r"ignore::UserWarning:PIL\..*"),
]


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _png(header: bytes, rows: bytes, *extra: bytes) -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + b"".join(extra)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return exif.tobytes()


def _gradient(size=(32, 24)) -> Image.Image:
    red = Image.linear_gradient("L").resize(size)
    green = red.transpose(Image.Transpose.ROTATE_90).resize(size)
    return Image.merge("RGB", (red, green, Image.new("L", size, 90)))


@cache
def seeds() -> dict[str, bytes]:
    """Valid JPEG, PNG and WebP files in the modes and features a decoder branches on,
    and two JPEGs whose headers claim a 48 MP phone photo."""
    rgb = _gradient()
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    frames = [rgba, rgba.transpose(Image.Transpose.ROTATE_180)]
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rgb16 = struct.pack(">IIBBBBB", 4, 2, 16, 2, 0, 0, 0)
    baseline = _encoded(rgb, "JPEG", quality=60)
    progressive = _encoded(rgb, "JPEG", progressive=True)
    return {
        "face.jpg": (FACES_DIR / "people/obama/obama_smiling_small.jpg").read_bytes(),
        "baseline.jpg": baseline,
        "progressive.jpg": progressive,
        # As photos: decoded at 1/4, grey past the data; refused (several scans).
        "claims-48mp.jpg": _claiming(baseline, 0xC0, 8000, 6000),
        "claims-48mp-progressive.jpg": _claiming(progressive, 0xC2, 8000, 6000),
        "grey.jpg": _encoded(rgb.convert("L"), "JPEG"),
        "cmyk.jpg": _encoded(rgb.convert("CMYK"), "JPEG"),
        "exif-icc.jpg": _encoded(rgb, "JPEG", exif=_exif(6), icc_profile=srgb),
        "two-frames.mpo": _encoded(
            rgb, "MPO", save_all=True, append_images=[rgb.rotate(90)]
        ),
        "rgb.png": _encoded(rgb, "PNG"),
        "rgba.png": _encoded(rgba, "PNG"),
        "la.png": _encoded(rgb.convert("LA"), "PNG"),
        "bilevel-trns.png": _encoded(rgb.convert("1"), "PNG", transparency=0),
        "palette-trns.png": _encoded(palette, "PNG", transparency=bytes([0, 128])),
        "grey16.png": _encoded(rgb.convert("L").convert("I;16"), "PNG"),
        "rgb16.png": _png(rgb16, (b"\x00" + b"\x12" * 24) * 2),
        "interlaced-exif.png": _encoded(rgb, "PNG", interlace=1, exif=_exif(8)),
        "animated.png": _encoded(
            frames[0], "PNG", save_all=True, append_images=frames[1:]
        ),
        "lossy-exif.webp": _encoded(rgb, "WEBP", quality=50, exif=_exif(3)),
        "lossless.webp": _encoded(rgba, "WEBP", lossless=True),
        "animated.webp": _encoded(
            frames[0], "WEBP", save_all=True, append_images=frames[1:]
        ),
    }


def _rejection_or_rgb(data: bytes, **limits) -> Reason | np.ndarray:
    """Decode `data`: the array if it is a valid RGB frame, else the rejection's reason.

    Any other exception, or an array of the wrong kind, fails the test.
    """
    limits = limits or FRAME_LIMITS
    try:
        image = engine.decode_image(data, **limits)
    except FrameRejected as rejected:
        assert isinstance(rejected.reason, Reason)
        assert rejected.message
        event(f"rejected: {rejected.reason}")
        return rejected.reason
    event("decoded")
    assert isinstance(image, np.ndarray)
    assert image.dtype == np.uint8
    assert image.ndim == 3 and image.shape[2] == 3
    assert 1 <= image.shape[0] * image.shape[1] <= limits["max_pixels"]
    return image


# Arbitrary and mutated bytes ------------------------------------------------------

SIGNATURES = [
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xc2",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"RIFF\x00\x00\x00\x00WEBPVP8L",
    b"RIFF\x00\x00\x00\x00WEBPVP8X",
    b"GIF89a",
]
# Noise, and noise behind a signature so that it reaches a format's parser.
ARBITRARY_BYTES = st.binary(max_size=4096) | st.builds(
    bytes.__add__, st.sampled_from(SIGNATURES), st.binary(max_size=4096)
)

# Values that push a length, a count or a dimension to its limit.
EXTREMES = [b"\x00\x00", b"\xff\xff", b"\x7f\xff\xff\xff", b"\xff\xff\xff\xff", b"\x80"]


@st.composite
def mutated(draw) -> bytes:
    """A valid image with bits flipped, bytes overwritten, inserted, deleted or cut,
    or its header spliced onto another image's body."""
    data = bytearray(draw(st.sampled_from(list(seeds().values()))))
    for _ in range(draw(st.integers(1, 4))):
        # Half the edits land in the first 200 bytes, where the headers are.
        at = min(draw(st.integers(0, 200) | st.integers(0, len(data))), len(data))
        edit = draw(
            st.sampled_from(["flip", "overwrite", "insert", "delete", "cut", "splice"])
        )
        if edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "overwrite":
            patch = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(EXTREMES))
            data[at : at + len(patch)] = patch
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif edit == "cut":
            del data[at:]
        elif edit == "splice":
            other = draw(st.sampled_from(list(seeds().values())))
            data[at:] = other[draw(st.integers(0, len(other))) :]
    return bytes(data)


@FUZZ
@given(data=ARBITRARY_BYTES)
@example(data=b"\xff\xd8" + b"\xff" * (engine.FRAME_MAX_BYTES - 2))
@example(data=b"\xff\xd8\xff" + b"\x00" * (engine.FRAME_MAX_BYTES - 3))
def test_decode_of_arbitrary_bytes_gives_rgb_or_a_rejection(data):
    _rejection_or_rgb(data)


@FUZZ
@given(data=mutated(), as_photo=st.booleans())
def test_decode_of_mutated_valid_images_gives_rgb_or_a_rejection(data, as_photo):
    _rejection_or_rgb(data, **(PHOTO_LIMITS if as_photo else FRAME_LIMITS))


# Decompression bombs --------------------------------------------------------------


def _png_claiming(width: int, height: int) -> bytes:
    """A 16-bit RGBA PNG header claiming `width` x `height`, with one row of pixels."""
    header = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return _png(header, b"\x00" + b"\x00" * 8 * min(width, 4096))


def _claiming(jpeg: bytes, frame: int, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOFn) claiming `width` x `height`."""
    data = bytearray(jpeg)
    sof = data.index(bytes([0xFF, frame]))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A 32x24 baseline JPEG whose frame header (SOF0) claims `width` x `height`."""
    return _claiming(seeds()["baseline.jpg"], 0xC0, width, height)


def _webp_claiming(width: int, height: int) -> bytes:
    """An animated 32x24 WebP whose canvas (VP8X) claims `width` x `height`."""
    data = bytearray(seeds()["animated.webp"])
    assert data[12:16] == b"VP8X"
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


# Each builder, and the sides its header can declare (a WebP canvas smaller than its
# 32x24 frame is merely invalid).
BOMBS = {
    "png": (_png_claiming, 1, 2**31 - 1),
    "jpeg": (_jpeg_claiming, 1, 2**16 - 1),
    "webp": (_webp_claiming, 32, 2**24),
}


def _bombs() -> st.SearchStrategy[tuple[str, int, int]]:
    """A format, and a width and height that its header can declare."""

    def sized(kind: str):
        _, smallest, largest = BOMBS[kind]
        side = st.integers(smallest, 2048) | st.integers(smallest, largest)
        return st.tuples(st.just(kind), side, side)

    return st.sampled_from(sorted(BOMBS)).flatmap(sized)


def _decoded_size(kind: str, width: int, height: int, limits) -> tuple[int, int] | None:
    """The (height, width) that a header claiming `width` x `height` is decoded at, or
    None if it must be refused as too many pixels.

    The JPEG seed is decoded in one pass: a photo that large is read at 1/2, 1/4 or
    1/8 scale, and only Pillow's own limit (179 MP) comes first.
    """
    target = limits.get("jpeg_target_pixels")
    if kind == "jpeg" and target and width * height > target:
        if width * height > 2 * Image.MAX_IMAGE_PIXELS:
            return None
        for scale in (2, 4, 8):
            reduced = (-(-height // scale), -(-width // scale))
            if reduced[0] * reduced[1] <= target:
                return reduced
        return None
    return None if width * height > limits["max_pixels"] else (height, width)


@FUZZ
@given(bomb=_bombs(), as_photo=st.booleans())
@example(bomb=("png", 100_000, 100_000), as_photo=True)
@example(bomb=("jpeg", 65_535, 65_535), as_photo=True)
@example(bomb=("jpeg", 12_000, 9_000), as_photo=True)  # past Pillow's warning
@example(bomb=("jpeg", 2_000, 1_200), as_photo=False)  # a frame is never reduced
@example(bomb=("webp", 2**24, 2**24), as_photo=True)
@example(bomb=("webp", 9_000, 9_000), as_photo=True)  # under Pillow's own limit
def test_decode_refuses_a_header_claiming_too_many_pixels(bomb, as_photo):
    kind, width, height = bomb
    limits = PHOTO_LIMITS if as_photo else FRAME_LIMITS
    expected = _decoded_size(kind, width, height, limits)

    outcome = _rejection_or_rgb(BOMBS[kind][0](width, height), **limits)

    if expected is None:
        assert outcome == Reason.TOO_MANY_PIXELS
    elif isinstance(outcome, np.ndarray):
        assert outcome.shape[:2] == expected


def _progressive_jpeg_with_scans(width: int, height: int, extra_scans: int) -> bytes:
    """A grey progressive JPEG: its DC scan, then `extra_scans` 12-byte AC scans that
    each sweep every block of the image with one end-of-band run."""
    data = _encoded(Image.new("L", (width, height), 128), "JPEG", progressive=True)
    sos = data.index(b"\xff\xda")
    # The DC scan's entropy-coded data ends at the next marker (not a stuffed 0xFF00).
    end = sos + 2 + struct.unpack(">H", data[sos + 2 : sos + 4])[0]
    while not (data[end] == 0xFF and data[end + 1] != 0x00):
        end += 1
    # One AC Huffman code, "0", for symbol 0xE0: a run of 2**14 + (14 bits) blocks.
    table = b"\xff\xc4\x00\x14\x10" + bytes([1] + [0] * 15) + b"\xe0"
    blocks = min(((width + 7) // 8) * ((height + 7) // 8), 2**15 - 1)
    bits = "0" + format(max(blocks - 2**14, 0), "014b") + "1"
    run = int(bits, 2).to_bytes(2, "big")
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x01\x3f\x00\x00" + run
    return data[:end] + table + scan * extra_scans + b"\xff\xd9"


@FEW
@given(
    size=st.sampled_from([(64, 48), (640, 480), (1920, 1080)]),
    extra_scans=st.integers(0, 3 * engine.MAX_JPEG_SCANS),
)
# 19,000 scans fit in a frame: 3 s of CPU before the scan count was checked.
@example(size=(1920, 1080), extra_scans=19_000)
def test_decode_refuses_a_jpeg_with_too_many_scans_quickly(size, extra_scans):
    data = _progressive_jpeg_with_scans(*size, extra_scans)

    outcome = _rejection_or_rgb(data)

    if 1 + extra_scans > engine.MAX_JPEG_SCANS:
        assert outcome == Reason.UNREADABLE
    else:
        assert outcome.shape == (size[1], size[0], 3)


# Valid but unusual images -----------------------------------------------------------


@FEW
@given(
    levels=arrays(np.uint16, st.tuples(st.integers(1, 8), st.integers(1, 8))),
    transparent=st.none() | st.integers(0, 2**16 - 1),
)
def test_decode_of_16_bit_grey_png_keeps_the_high_byte(levels, transparent):
    height, width = levels.shape
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in levels)
    trns = (
        [] if transparent is None else [_chunk(b"tRNS", struct.pack(">H", transparent))]
    )
    data = _png(struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0), rows, *trns)

    image = _rejection_or_rgb(data)

    expected = np.repeat((levels >> 8).astype(np.uint8)[..., None], 3, axis=2)
    if transparent is not None:
        expected[levels == transparent] = 255
    np.testing.assert_array_equal(image, expected)


@FEW
@given(
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    orientation=st.integers(0, 2**16 - 1),
)
def test_decode_of_any_exif_orientation_gives_the_image_upright_or_as_is(
    fmt, orientation
):
    # 4 wide, 2 high: orientations 5-8 swap the sides; bogus ones are ignored.
    data = _encoded(_gradient((4, 2)), fmt, exif=_exif(orientation), quality=95)

    image = _rejection_or_rgb(data)

    assert image.shape[:2] == ((4, 2) if 5 <= orientation <= 8 else (2, 4))


@FEW
@given(
    fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    exif=st.binary(max_size=256)
    | st.builds(bytes.__add__, st.sampled_from([b"MM\x00*", b"II*\x00"]), st.binary()),
)
def test_decode_of_a_valid_image_with_corrupt_exif_still_gives_its_pixels(fmt, exif):
    image = _gradient((4, 2))
    if fmt == "JPEG":
        exif = b"Exif\x00\x00" + exif

    decoded = _rejection_or_rgb(_encoded(image, fmt, exif=exif, quality=95))

    assert isinstance(decoded, np.ndarray), decoded
    assert decoded.shape in ((2, 4, 3), (4, 2, 3))


@FEW
@given(
    fmt=st.sampled_from(["PNG", "WEBP"]),
    colours=st.lists(
        st.tuples(*[st.integers(0, 255)] * 3), min_size=2, max_size=5, unique=True
    ),
)
def test_decode_of_an_animation_gives_its_first_frame(fmt, colours):
    frames = [Image.new("RGB", (8, 6), colour) for colour in colours]
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = _encoded(
        frames[0], fmt, save_all=True, append_images=frames[1:], duration=40, **options
    )

    image = _rejection_or_rgb(data)

    assert image.shape == (6, 8, 3)
    assert (image == colours[0]).all()


@FEW
@given(cmyk=st.tuples(*[st.integers(0, 255)] * 4))
def test_decode_of_a_cmyk_jpeg_gives_its_colour_in_rgb(cmyk):
    data = _encoded(Image.new("CMYK", (16, 16), cmyk), "JPEG", quality=100)
    expected = Image.new("CMYK", (1, 1), cmyk).convert("RGB").getpixel((0, 0))

    image = _rejection_or_rgb(data)

    assert image.shape == (16, 16, 3)
    assert np.abs(image.astype(int) - expected).max() <= 3


@st.composite
def _palette_images(draw) -> tuple[list, list[int], np.ndarray]:
    """A palette, the alpha of its first entries (0 or 255), and indexes into it."""
    palette = draw(
        st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=16)
    )
    alphas = draw(st.lists(st.sampled_from([0, 255]), max_size=len(palette)))
    elements = st.integers(0, len(palette) - 1)
    indexes = draw(arrays(np.uint8, (3, 5), elements=elements))
    return palette, alphas, indexes


@FEW
@given(palette_image=_palette_images())
def test_decode_of_a_palette_png_makes_transparent_entries_white(palette_image):
    palette, alphas, indexes = palette_image
    image = Image.new("P", (5, 3))
    image.putpalette([channel for colour in palette for channel in colour])
    image.putdata(indexes.ravel().tolist())
    options = {"transparency": bytes(alphas)} if alphas else {}

    decoded = _rejection_or_rgb(_encoded(image, "PNG", **options))

    colours = np.array(palette, dtype=np.uint8)
    colours[[index for index, alpha in enumerate(alphas) if alpha == 0]] = 255
    np.testing.assert_array_equal(decoded, colours[indexes])


@FEW
@given(frames=st.integers(1, 4), size=st.tuples(st.integers(1, 64), st.integers(1, 64)))
def test_decode_refuses_gif_even_animated_as_unsupported(frames, size):
    images = [Image.new("P", size, index) for index in range(frames)]
    data = _encoded(images[0], "GIF", save_all=True, append_images=images[1:])

    assert _rejection_or_rgb(data, **PHOTO_LIMITS) == Reason.UNSUPPORTED_FORMAT
