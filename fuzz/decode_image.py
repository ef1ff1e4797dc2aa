"""Fuzz `faceauth.engine.decode_image` with atheris (libFuzzer): no crash, no hang.

Any exception other than FrameRejected, a decoded array that is not RGB uint8 within
the frame pixel cap, an input slower than libFuzzer's -timeout or a process over
-rss_limit_mb is a finding. See fuzz/README.md for how to run it.

    python fuzz/decode_image.py --write-seeds fuzz/corpus
    python fuzz/decode_image.py fuzz/corpus -max_total_time=300 -timeout=5
"""

import io
import sys
import warnings
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["PIL", "faceauth"]):
    from PIL import Image

    # Image.open imports its format plugins lazily: import them now, instrumented.
    Image.init()
    from faceauth.engine import FRAME_MAX_PIXELS, FrameRejected, Reason, decode_image

# Corrupt EXIF only warns; a warning per input would drown the fuzzer's output.
warnings.simplefilter("ignore")


def test_one_input(data: bytes) -> None:
    try:
        image = decode_image(data)
    except FrameRejected as rejected:
        assert isinstance(rejected.reason, Reason)
        return
    assert image.dtype == "uint8", image.dtype
    assert image.ndim == 3 and image.shape[2] == 3, image.shape
    assert 1 <= image.shape[0] * image.shape[1] <= FRAME_MAX_PIXELS, image.shape


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def seeds() -> dict[str, bytes]:
    """Small valid images of each format and of the modes a decoder branches on."""
    rgb = Image.linear_gradient("L").resize((32, 24)).convert("RGB")
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize((32, 24)))
    palette = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees
    frames = [rgba, rgba.rotate(90)]
    face = Image.open(
        ROOT / "tests/fixtures/faces/people/obama/obama_smiling_small.jpg"
    )
    face.thumbnail((96, 96))
    found = {
        "baseline.jpg": _encoded(rgb, "JPEG", quality=60),
        "progressive.jpg": _encoded(rgb, "JPEG", progressive=True),
        "grey.jpg": _encoded(rgb.convert("L"), "JPEG"),
        "cmyk.jpg": _encoded(rgb.convert("CMYK"), "JPEG"),
        "exif.jpg": _encoded(rgb, "JPEG", exif=exif.tobytes()),
        "face.jpg": _encoded(face, "JPEG", quality=70),
        "rgb.png": _encoded(rgb, "PNG"),
        "rgba.png": _encoded(rgba, "PNG"),
        "palette-trns.png": _encoded(palette, "PNG", transparency=0),
        "grey16.png": _encoded(rgb.convert("L").convert("I;16"), "PNG"),
        "interlaced.png": _encoded(rgb, "PNG", interlace=1),
        "animated.png": _encoded(
            frames[0], "PNG", save_all=True, append_images=frames[1:]
        ),
        "lossy.webp": _encoded(rgb, "WEBP", quality=50),
        "lossless.webp": _encoded(rgba, "WEBP", lossless=True),
        "exif.webp": _encoded(rgb, "WEBP", exif=exif.tobytes()),
        "animated.webp": _encoded(
            frames[0], "WEBP", save_all=True, append_images=frames[1:]
        ),
    }
    return found


def main() -> None:
    if sys.argv[1:2] == ["--write-seeds"]:
        folder = Path(sys.argv[2])
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in seeds().items():
            (folder / name).write_bytes(data)
        print(f"Wrote {len(seeds())} seeds to {folder}")
        return
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
