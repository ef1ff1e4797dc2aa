"""Draw product pictures locally with Pillow: nothing is downloaded."""

import io
import random

from PIL import Image, ImageDraw, ImageFont

SIZE = (800, 600)
FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]


def _font(size):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _shade(rgb, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


def draw_product(
    *, title: str, colour: tuple[int, int, int], shape: str, seed: int
) -> bytes:
    """Return a JPEG of a simple, distinct illustration for one product."""
    rnd = random.Random(seed)
    width, height = SIZE
    img = Image.new("RGB", SIZE, colour)
    draw = ImageDraw.Draw(img)
    top, bottom = _shade(colour, 1.25), _shade(colour, 0.8)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for _ in range(6):
        r = rnd.randint(30, 120)
        x, y = rnd.randint(0, width), rnd.randint(0, height)
        draw.ellipse(
            [x - r, y - r, x + r, y + r], fill=_shade(colour, rnd.uniform(0.85, 1.2))
        )

    cx, cy = width // 2, height // 2 - 40
    ink = (255, 255, 255)
    shadow = _shade(colour, 0.6)
    box = [cx - 150, cy - 130, cx + 150, cy + 130]
    offset = [v + 10 for v in box]
    if shape == "phone":
        draw.rounded_rectangle([cx - 80, cy - 140, cx + 90, cy + 150], 28, fill=shadow)
        draw.rounded_rectangle([cx - 90, cy - 150, cx + 80, cy + 140], 28, fill=ink)
        draw.rounded_rectangle([cx - 75, cy - 120, cx + 65, cy + 105], 10, fill=colour)
    elif shape == "laptop":
        draw.rounded_rectangle([cx - 150, cy - 110, cx + 150, cy + 80], 14, fill=ink)
        draw.rectangle([cx - 132, cy - 94, cx + 132, cy + 64], fill=colour)
        draw.polygon(
            [
                (cx - 190, cy + 90),
                (cx + 190, cy + 90),
                (cx + 160, cy + 120),
                (cx - 160, cy + 120),
            ],
            fill=shadow,
        )
    elif shape == "mug":
        draw.ellipse([cx + 60, cy - 60, cx + 170, cy + 60], outline=ink, width=24)
        draw.rounded_rectangle([cx - 120, cy - 110, cx + 100, cy + 130], 24, fill=ink)
    elif shape == "lamp":
        draw.polygon(
            [
                (cx - 110, cy + 10),
                (cx + 110, cy + 10),
                (cx + 60, cy - 130),
                (cx - 60, cy - 130),
            ],
            fill=ink,
        )
        draw.rectangle([cx - 10, cy + 10, cx + 10, cy + 120], fill=shadow)
        draw.rounded_rectangle([cx - 80, cy + 115, cx + 80, cy + 140], 10, fill=ink)
    elif shape == "shirt":
        draw.polygon(
            [
                (cx - 150, cy - 80),
                (cx - 60, cy - 130),
                (cx + 60, cy - 130),
                (cx + 150, cy - 80),
                (cx + 110, cy - 20),
                (cx + 80, cy - 40),
                (cx + 80, cy + 140),
                (cx - 80, cy + 140),
                (cx - 80, cy - 40),
                (cx - 110, cy - 20),
            ],
            fill=ink,
        )
        draw.ellipse([cx - 35, cy - 150, cx + 35, cy - 100], fill=colour)
    elif shape == "bag":
        draw.arc([cx - 70, cy - 170, cx + 70, cy - 30], 180, 360, fill=ink, width=18)
        draw.rounded_rectangle([cx - 130, cy - 100, cx + 130, cy + 140], 22, fill=ink)
        draw.rectangle([cx - 130, cy - 40, cx + 130, cy - 30], fill=shadow)
    elif shape == "ball":
        draw.ellipse(offset, fill=shadow)
        draw.ellipse(box, fill=ink)
        draw.arc(
            [cx - 150, cy - 60, cx + 150, cy + 200], 200, 340, fill=colour, width=10
        )
        draw.arc(
            [cx - 150, cy - 200, cx + 150, cy + 60], 20, 160, fill=colour, width=10
        )
    else:  # tent
        draw.polygon(
            [(cx, cy - 150), (cx + 190, cy + 130), (cx - 190, cy + 130)], fill=ink
        )
        draw.polygon(
            [(cx, cy - 40), (cx + 55, cy + 130), (cx - 55, cy + 130)], fill=shadow
        )

    font = _font(40)
    text = title if len(title) <= 30 else title[:29] + "…"
    tw = draw.textlength(text, font=font)
    draw.rounded_rectangle(
        [40, height - 110, width - 40, height - 40], 16, fill=(255, 255, 255)
    )
    draw.text(
        ((width - tw) / 2, height - 100), text, font=font, fill=_shade(colour, 0.55)
    )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()
