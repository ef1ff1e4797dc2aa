"""Draw the demo products' pictures locally with Pillow: nothing is downloaded.

Each product has a drawing of its own (PICTURES, by name): a simple illustration of
the object on a background tinted by its category. Coordinates are on an 800 × 600
canvas; it is drawn at twice the size and scaled down, for smooth edges. The same
arguments always give the same bytes (the speckles come from a seeded Random).
"""

import io
import math
import random
from collections.abc import Callable
from functools import cache

from PIL import Image, ImageDraw, ImageFont

SIZE = (800, 600)
SCALE = 2
FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
]

INK = (46, 46, 56)
WHITE = (250, 250, 248)
STEEL = (176, 184, 194)
STEEL_LIGHT = (214, 220, 228)
GRAPHITE = (62, 66, 76)
WOOD = (178, 122, 70)
WOOD_DARK = (120, 78, 44)
GLOW = (255, 226, 120)


@cache
def _font(size):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _mix(a, b, t):
    """The colour t of the way from a to b."""
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _shade(rgb, factor):
    return tuple(max(0, min(255, int(c * factor))) for c in rgb)


class Pen:
    """ImageDraw on the 800 × 600 grid, outlined in ink unless told otherwise."""

    def __init__(self, image, rnd):
        self.draw = ImageDraw.Draw(image, "RGBA")
        self.rnd = rnd

    @staticmethod
    def _xy(points):
        return [v * SCALE for v in points]

    @staticmethod
    def _pts(points):
        return [(x * SCALE, y * SCALE) for x, y in points]

    def rect(self, box, fill, r=0, outline=INK, w=5):
        self.draw.rounded_rectangle(
            self._xy(box), r * SCALE, fill=fill, outline=outline, width=w * SCALE
        )

    def oval(self, box, fill, outline=INK, w=5):
        self.draw.ellipse(self._xy(box), fill=fill, outline=outline, width=w * SCALE)

    def circle(self, cx, cy, r, fill, outline=INK, w=5):
        self.oval((cx - r, cy - r, cx + r, cy + r), fill, outline, w)

    def poly(self, points, fill, outline=INK, w=5):
        self.draw.polygon(
            self._pts(points), fill=fill, outline=outline, width=w * SCALE
        )

    def line(self, points, fill=INK, w=5):
        self.draw.line(self._pts(points), fill=fill, width=w * SCALE, joint="curve")
        for x, y in (points[0], points[-1]):
            r = w / 2
            self.draw.ellipse(self._xy((x - r, y - r, x + r, y + r)), fill=fill)

    def arc(self, box, start, end, fill=INK, w=5):
        self.draw.arc(self._xy(box), start, end, fill=fill, width=w * SCALE)

    def chord(self, box, start, end, fill, outline=INK, w=5):
        self.draw.chord(
            self._xy(box), start, end, fill=fill, outline=outline, width=w * SCALE
        )

    def text(self, x, y, text, size, fill, anchor="mm"):
        self.draw.text(
            (x * SCALE, y * SCALE),
            text,
            font=_font(size * SCALE),
            fill=fill,
            anchor=anchor,
        )

    def speckle(self, box, colour, count, r=2.5):
        """Dots scattered over a box: granite, cork."""
        x0, y0, x1, y1 = box
        for _ in range(count):
            x, y = self.rnd.uniform(x0, x1), self.rnd.uniform(y0, y1)
            self.oval((x - r, y - r, x + r, y + r), colour, outline=None, w=0)


def _curve(a, b, c, steps=24):
    """Points of the quadratic Bézier curve from a to c pulled towards b."""
    return [
        (
            (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * b[0] + t**2 * c[0],
            (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * b[1] + t**2 * c[1],
        )
        for t in (i / steps for i in range(steps + 1))
    ]


def _regular(cx, cy, r, sides, turn=-90):
    """The corners of a regular polygon."""
    return [
        (
            cx + r * math.cos(math.radians(turn + 360 * i / sides)),
            cy + r * math.sin(math.radians(turn + 360 * i / sides)),
        )
        for i in range(sides)
    ]


def _bar(a, b, width):
    """A straight bar `width` thick from point a to point b, as four corners."""
    (x0, y0), (x1, y1) = a, b
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length * width / 2, (x1 - x0) / length * width / 2
    return [
        (x0 + nx, y0 + ny),
        (x1 + nx, y1 + ny),
        (x1 - nx, y1 - ny),
        (x0 - nx, y0 - ny),
    ]


PICTURES: dict[str, Callable[[Pen, tuple[int, int, int]], None]] = {}


def picture(name):
    def register(draw):
        PICTURES[name] = draw
        return draw

    return register


# --- phones and audio ----------------------------------------------------------


def _app_grid(p, x0, y0, cols, rows, size, gap, colours):
    for row in range(rows):
        for col in range(cols):
            x, y = x0 + col * (size + gap), y0 + row * (size + gap)
            colour = colours[(row * cols + col) % len(colours)]
            p.rect((x, y, x + size, y + size), colour, r=size // 4, outline=None)


@picture("smartphone")
def _smartphone(p, c):
    # The back, with its triple camera, behind the front.
    p.rect((410, 70, 590, 440), STEEL_LIGHT, r=34)
    p.rect((432, 92, 524, 210), GRAPHITE, r=22)
    for cx, cy in ((456, 120), (500, 120), (456, 170)):
        p.circle(cx, cy, 17, (30, 32, 40), outline=STEEL, w=4)
    p.circle(500, 170, 7, GLOW, w=2)
    p.rect((210, 50, 400, 450), GRAPHITE, r=36)
    p.rect((222, 64, 388, 436), _mix(c, (20, 30, 80), 0.35), r=26, outline=None)
    p.circle(305, 82, 7, (20, 20, 26), outline=None)
    p.text(305, 140, "9:41", 44, WHITE)
    _app_grid(
        p,
        240,
        200,
        4,
        4,
        28,
        12,
        [(255, 190, 80), (120, 220, 160), (255, 120, 120), (170, 200, 255)],
    )
    p.rect((270, 418, 340, 424), WHITE, r=3, outline=None)


@picture("smartphone_lite")
def _smartphone_lite(p, c):
    p.rect((295, 40, 505, 455), WHITE, r=40)
    p.rect((310, 56, 490, 440), (255, 214, 170), r=28, outline=None)
    # A wallpaper of hills at sunset.
    p.circle(400, 200, 46, (255, 150, 90), outline=None)
    p.poly(
        [(310, 300), (370, 240), (430, 290), (490, 230), (490, 440), (310, 440)],
        _mix(c, WHITE, 0.2),
        outline=None,
    )
    p.poly(
        [(310, 360), (390, 310), (490, 370), (490, 440), (310, 440)],
        _shade(c, 0.7),
        outline=None,
    )
    p.poly([(380, 56), (420, 56), (412, 70), (388, 70)], WHITE, outline=None)
    p.text(400, 120, "12:30", 34, WHITE)
    p.rect((370, 424, 430, 430), WHITE, r=3, outline=None)


@picture("earbuds")
def _earbuds(p, c):
    # The charging case, open, a bud on either side.
    p.rect((310, 110, 490, 190), WHITE, r=40)
    p.rect((300, 220, 500, 380), WHITE, r=60)
    p.line([(300, 250), (500, 250)], STEEL, 4)
    p.circle(400, 300, 7, (80, 210, 120), w=2)
    p.line([(330, 190), (340, 228)], STEEL, 8)
    p.line([(470, 190), (460, 228)], STEEL, 8)
    for x, flip in ((200, 1), (600, -1)):
        p.rect((x - 18, 210, x + 18, 380), WHITE, r=18)
        p.oval((x - 55, 150, x + 45, 250), WHITE)
        p.oval((x - 40 + 20 * flip, 180, x + 10 + 20 * flip, 220), GRAPHITE, w=3)
        p.rect((x - 10, 360, x + 10, 372), STEEL, r=4, outline=None)


@picture("speaker")
def _speaker(p, c):
    front = (250, 170, 470, 400)
    dark = _shade(c, 0.45)
    p.poly([(250, 170), (330, 110), (550, 110), (470, 170)], _shade(c, 0.75))
    p.poly([(470, 170), (550, 110), (550, 340), (470, 400)], _shade(c, 0.35))
    p.rect(front, dark)
    for row in range(11):
        for col in range(11):
            p.circle(266 + col * 19, 186 + row * 20, 3, _shade(c, 0.3), outline=None)
    p.circle(360, 285, 62, None, outline=_shade(c, 0.85), w=6)
    for i, symbol in enumerate(("−", "▶", "+")):
        x = 350 + i * 60
        p.oval((x - 18, 128, x + 18, 150), _shade(c, 0.6), w=3)
        p.text(x, 139, symbol, 16, WHITE)


@picture("headphones")
def _headphones(p, c):
    p.arc((220, 60, 580, 420), 180, 360, GRAPHITE, 30)
    p.arc((240, 80, 560, 400), 195, 345, _mix(c, WHITE, 0.3), 10)
    for x in (230, 570):
        p.rect((x - 22, 200, x + 22, 250), STEEL, r=8)
        p.rect((x - 62, 230, x + 62, 400), GRAPHITE, r=50)
        p.rect((x - 48, 250, x + 48, 380), _shade(c, 0.8), r=40, outline=None)
        p.circle(x, 315, 22, _shade(c, 0.55), outline=None)


@picture("power_bank")
def _power_bank(p, c):
    p.line(_curve((600, 260), (700, 300), (640, 420)), GRAPHITE, 12)
    p.rect((620, 410, 660, 460), GRAPHITE, r=8)
    p.rect((200, 160, 610, 360), GRAPHITE, r=36)
    p.rect((215, 175, 595, 345), _shade(c, 0.55), r=28, outline=None)
    p.poly(
        [
            (390, 200),
            (340, 270),
            (385, 270),
            (360, 320),
            (440, 240),
            (395, 240),
            (420, 200),
        ],
        GLOW,
        w=4,
    )
    for i in range(4):
        p.circle(500 + i * 22, 320, 6, (120, 240, 150) if i < 3 else GRAPHITE, w=2)
    p.text(300, 320, "20000 mAh", 20, WHITE)


@picture("charger")
def _charger(p, c):
    for x in (350, 450):
        p.rect((x - 14, 60, x + 14, 170), STEEL, r=6)
    p.rect((280, 150, 520, 420), WHITE, r=36)
    p.text(400, 215, "65W", 44, _shade(c, 0.6))
    for x in (345, 455):
        p.rect((x - 26, 300, x + 26, 322), GRAPHITE, r=11, w=3)
    p.rect((360, 350, 440, 380), GRAPHITE, r=3, w=3)
    p.rect((372, 358, 428, 366), STEEL, outline=None)


@picture("tracker_tag")
def _tracker_tag(p, c):
    # A key on a ring, the tag hanging beside it.
    brass = (220, 180, 70)
    p.poly(_bar((290, 200), (180, 400), 30), brass)
    for t in (0.62, 0.8):
        x, y = 290 - 110 * t, 200 + 200 * t
        p.poly(
            [(x - 8, y - 6), (x - 40, y - 22), (x - 50, y - 2), (x - 18, y + 14)], brass
        )
    p.circle(300, 180, 50, brass)
    p.circle(300, 160, 14, _mix(c, WHITE, 0.8))
    p.circle(370, 130, 56, None, outline=STEEL, w=10)
    p.circle(460, 300, 120, WHITE)
    p.circle(460, 300, 94, _mix(c, WHITE, 0.75), outline=None)
    p.rect((446, 166, 474, 196), WHITE, r=10)
    # A map pin in the middle.
    p.circle(460, 282, 34, _shade(c, 0.9), w=4)
    p.poly([(432, 298), (488, 298), (460, 350)], _shade(c, 0.9), w=4)
    p.circle(460, 282, 26, _shade(c, 0.9), outline=None)
    p.circle(460, 282, 12, WHITE, outline=None)


# --- computers -----------------------------------------------------------------


@picture("laptop")
def _laptop(p, c):
    p.rect((230, 70, 570, 320), STEEL_LIGHT, r=16)
    p.rect((248, 88, 552, 302), _mix(c, (120, 170, 255), 0.3), r=4, outline=None)
    p.poly(
        [
            (248, 240),
            (330, 180),
            (420, 240),
            (500, 170),
            (552, 210),
            (552, 302),
            (248, 302),
        ],
        _mix(c, WHITE, 0.4),
        outline=None,
    )
    p.circle(470, 130, 22, GLOW, outline=None)
    p.poly([(180, 320), (620, 320), (600, 356), (200, 356)], STEEL)
    p.rect((350, 320, 450, 330), _shade(STEEL, 0.8), r=4, outline=None)


@picture("laptop_pro")
def _laptop_pro(p, c):
    p.rect((190, 40, 610, 290), GRAPHITE, r=16)
    p.rect((206, 56, 594, 274), (32, 36, 48), r=4, outline=None)
    # An editor full of code.
    colours = [(120, 200, 255), (255, 170, 110), (170, 230, 140), (220, 150, 255)]
    rnd = random.Random(7)
    for row in range(9):
        x = 226 + rnd.choice((0, 0, 24, 48))
        for _ in range(rnd.randint(1, 3)):
            width = rnd.randint(30, 110)
            if x + width > 570:
                break
            y = 74 + row * 22
            p.rect((x, y, x + width, y + 10), rnd.choice(colours), r=4, outline=None)
            x += width + 14
    p.poly([(190, 290), (610, 290), (680, 430), (120, 430)], (92, 96, 108))
    for row in range(5):
        y0, y1 = 302 + row * 18, 316 + row * 18
        inset0, inset1 = 10 + row * 11, 21 + row * 11
        for col in range(14):
            t0, t1 = col / 14, (col + 0.8) / 14
            left0, right0 = 190 - inset0 + 40, 610 + inset0 - 40
            left1, right1 = 190 - inset1 + 40, 610 + inset1 - 40
            p.poly(
                [
                    (left0 + (right0 - left0) * t0, y0),
                    (left0 + (right0 - left0) * t1, y0),
                    (left1 + (right1 - left1) * t1, y1),
                    (left1 + (right1 - left1) * t0, y1),
                ],
                (40, 42, 50),
                outline=None,
            )
    p.poly([(340, 396), (460, 396), (468, 424), (332, 424)], (120, 124, 136), w=3)


@picture("monitor")
def _monitor(p, c):
    p.poly([(360, 330), (440, 330), (450, 410), (350, 410)], STEEL)
    p.rect((270, 400, 530, 430), STEEL_LIGHT, r=12)
    p.rect((150, 40, 650, 335), (30, 32, 40), r=12)
    p.rect((162, 52, 638, 312), _mix(c, (90, 200, 255), 0.3), outline=None)
    # A desktop with two windows open.
    p.rect((190, 80, 420, 240), WHITE, r=6, w=3)
    p.rect((190, 80, 420, 100), _shade(c, 0.8), r=6, w=3)
    for i in range(4):
        p.rect(
            (205, 115 + i * 28, 400 - i * 30, 127 + i * 28), STEEL, r=5, outline=None
        )
    p.rect((380, 140, 610, 290), WHITE, r=6, w=3)
    p.rect((380, 140, 610, 160), (255, 150, 90), r=6, w=3)
    p.poly(
        [(395, 275), (450, 210), (500, 250), (540, 190), (595, 275)],
        (120, 200, 140),
        w=3,
    )
    p.text(600, 323, '27"', 14, STEEL, anchor="rm")


@picture("keyboard")
def _keyboard(p, c):
    p.rect((140, 150, 660, 390), GRAPHITE, r=24)
    keys = [13, 13, 12, 11, 10]
    for row, count in enumerate(keys):
        y = 172 + row * 40
        x = 162 + row * 10
        for i in range(count):
            wide = 1.6 if (row, i) in {(2, 11), (3, 10), (1, 0), (2, 0)} else 1.0
            width = 30 * wide
            colour = _shade(c, 1.15) if (row, i) in {(0, 0), (2, 11)} else WHITE
            p.rect((x, y, x + width, y + 32), colour, r=6, outline=(30, 30, 38), w=3)
            x += width + 7
    p.rect((260, 354, 540, 380), WHITE, r=6, outline=(30, 30, 38), w=3)


@picture("mouse")
def _mouse(p, c):
    p.oval((290, 80, 510, 440), STEEL_LIGHT)
    p.line([(400, 84), (400, 220)], INK, 4)
    p.arc((292, 150, 508, 290), 180, 360, INK, 4)
    p.rect((386, 120, 414, 180), GRAPHITE, r=12, w=3)
    for y in (130, 142, 154, 166):
        p.line([(390, y), (410, y)], STEEL, 2)
    p.oval((330, 300, 470, 420), _mix(c, WHITE, 0.25), outline=None)
    p.text(400, 370, "glide", 22, WHITE)


@picture("usb_hub")
def _usb_hub(p, c):
    p.line(_curve((190, 260), (100, 250), (120, 160)), GRAPHITE, 12)
    p.rect((100, 110, 140, 170), STEEL, r=8)
    p.rect((108, 92, 132, 112), GRAPHITE, r=4, w=3)
    p.rect((180, 200, 640, 330), STEEL, r=28)
    p.rect((180, 200, 640, 230), STEEL_LIGHT, r=14, outline=None)
    ports = (
        ("hdmi", 215),
        ("rj45", 285),
        ("usb", 345),
        ("usb", 395),
        ("usb", 445),
        ("sd", 510),
        ("micro", 575),
    )
    for kind, x in ports:
        if kind == "hdmi":
            p.poly(
                [(x, 255), (x + 50, 255), (x + 44, 280), (x + 6, 280)], GRAPHITE, w=3
            )
        elif kind == "rj45":
            p.rect((x, 248, x + 42, 292), GRAPHITE, r=3, w=3)
            p.rect((x + 12, 282, x + 30, 292), STEEL, outline=None)
        elif kind == "usb":
            p.rect((x, 255, x + 38, 275), GRAPHITE, r=2, w=3)
            p.rect((x + 6, 260, x + 32, 266), _mix(c, WHITE, 0.3), outline=None)
        elif kind == "sd":
            p.rect((x, 262, x + 50, 272), GRAPHITE, r=2, w=3)
        else:
            p.rect((x, 262, x + 34, 270), GRAPHITE, r=2, w=3)
    p.text(560, 307, "8-in-1", 18, _shade(STEEL, 0.55))


@picture("ssd")
def _ssd(p, c):
    p.line(_curve((400, 390), (420, 470), (560, 440)), GRAPHITE, 12)
    p.rect((550, 420, 600, 458), STEEL, r=6)
    p.rect((290, 90, 510, 400), _shade(c, 0.65), r=40)
    p.rect((312, 112, 488, 378), (40, 44, 56), r=26, outline=None)
    p.text(400, 210, "1 TB", 46, WHITE)
    p.text(400, 265, "SWIFT SSD", 20, _mix(c, WHITE, 0.5))
    p.circle(400, 340, 6, (120, 240, 150), outline=None)


# --- kitchen -------------------------------------------------------------------


def _steam(p, xs, top, colour):
    for i, x in enumerate(xs):
        p.line(
            _curve((x, top + 80), (x + (25 if i % 2 else -25), top + 40), (x, top)),
            colour,
            7,
        )


@picture("tea_mug")
def _tea_mug(p, c):
    celadon = (150, 196, 170)
    _steam(p, (350, 400, 450), 30, _mix(c, WHITE, 0.65))
    p.line(_curve((440, 215), (590, 230), (440, 350)), INK, 36)
    p.line(_curve((440, 215), (590, 230), (440, 350)), _shade(celadon, 0.85), 26)
    p.poly([(280, 170), (480, 170), (465, 400), (295, 400)], celadon)
    p.rect((295, 388, 465, 420), _shade(celadon, 0.85), r=10)
    p.oval((270, 140, 490, 190), _mix(celadon, WHITE, 0.35))
    p.circle(380, 132, 18, _shade(celadon, 0.9))
    p.arc((300, 210, 470, 260), 20, 160, _mix(celadon, WHITE, 0.5), 6)


@picture("steamer")
def _steamer(p, c):
    bamboo = (224, 190, 128)
    dark = _shade(bamboo, 0.75)
    p.chord((220, 60, 580, 230), 180, 360, bamboo)
    p.rect((370, 66, 430, 90), dark, r=8)
    for x in range(250, 560, 28):
        p.line([(x, 160 - abs(x - 400) // 4), (x + 14, 145)], dark, 3)
    for top in (170, 290):
        p.rect((210, top, 590, top + 110), bamboo, r=12)
        p.rect((210, top + 10, 590, top + 30), dark, outline=None)
        p.rect((210, top + 80, 590, top + 100), dark, outline=None)
        for x in range(230, 590, 40):
            p.line([(x, top + 38), (x, top + 72)], dark, 3)


@picture("wok")
def _wok(p, c):
    iron = (56, 58, 64)
    p.rect((540, 200, 720, 240), WOOD, r=20)
    p.rect((530, 205, 575, 235), STEEL, r=6)
    p.arc((90, 190, 170, 260), 90, 270, iron, 12)
    p.chord((120, 110, 560, 400), 0, 180, iron)
    p.oval((120, 190, 560, 270), _shade(iron, 1.6))
    p.oval((150, 205, 530, 262), _shade(iron, 1.25), outline=None)
    # Something sizzling in it.
    for x, y, colour in (
        (260, 232, (110, 190, 90)),
        (330, 240, (240, 120, 60)),
        (400, 228, (240, 200, 90)),
        (440, 245, (110, 190, 90)),
    ):
        p.oval((x - 28, y - 12, x + 28, y + 12), colour, w=3)
    _steam(p, (300, 380), 110, (230, 230, 230))


def _bowl(p, x, y, width, rim):
    p.chord(
        (x - width / 2, y - width * 0.45, x + width / 2, y + width * 0.45),
        0,
        180,
        WHITE,
    )
    p.rect(
        (x - width * 0.18, y + width * 0.4, x + width * 0.18, y + width * 0.47),
        WHITE,
        r=4,
    )
    p.oval((x - width / 2, y - 14, x + width / 2, y + 14), _mix(WHITE, rim, 0.12))
    p.arc((x - width / 2 + 10, y - 8, x + width / 2 - 10, y + 50), 15, 165, rim, 6)


@picture("rice_bowls")
def _rice_bowls(p, c):
    blue = (50, 90, 170)
    for x in (260, 540):
        for dy in (0, -44):
            _bowl(p, x, 310 + dy, 250, blue)
    p.chord((430, 210, 650, 300), 180, 360, WHITE)  # rice in the top bowl
    for x in range(450, 630, 16):
        p.oval(
            (x, 230 + (x % 3) * 7, x + 10, 236 + (x % 3) * 7), STEEL_LIGHT, outline=None
        )


@picture("pour_over")
def _pour_over(p, c):
    glass = (215, 232, 240, 255)
    p.poly([(300, 250), (500, 250), (540, 440), (260, 440)], glass)
    p.poly([(274, 370), (526, 370), (540, 440), (260, 440)], (110, 62, 30))
    for y in (300, 330, 360):
        p.line([(470, y), (492, y)], STEEL, 3)
    p.rect((312, 240, 488, 275), WOOD, r=6)
    p.poly([(250, 90), (550, 90), (450, 220), (350, 220)], WHITE)
    for x in (310, 360, 400, 440, 490):
        p.line([(x, 100), (400 + (x - 400) * 0.4, 210)], STEEL_LIGHT, 3)
    p.rect((330, 216, 470, 236), WHITE, r=6)
    p.rect((240, 80, 560, 100), WHITE, r=8)
    for y in (270, 300):
        p.oval((394, y, 406, y + 18), (110, 62, 30), outline=None)


@picture("chef_knife")
def _chef_knife(p, c):
    edge = _curve((130, 226), (180, 312), (320, 318)) + [(520, 318)]
    p.poly(
        [
            (520, 205),
            (240, 205),
            *_curve((240, 205), (170, 206), (130, 226))[1:],
            *edge[1:],
        ],
        STEEL_LIGHT,
    )
    p.line([(x, y - 20) for x, y in edge[6:]], STEEL, 4)
    p.rect((505, 200, 545, 330), STEEL)
    p.rect((540, 215, 710, 300), (96, 52, 40), r=26)
    for x in (580, 625, 670):
        p.circle(x, 257, 9, STEEL, w=3)


@picture("glass_teapot")
def _glass_teapot(p, c):
    glass = (205, 228, 236, 230)
    p.line(_curve((490, 200), (660, 260), (500, 380)), INK, 18)
    p.poly([(280, 300), (190, 200), (170, 190), (180, 220), (270, 340)], glass)
    p.oval((250, 150, 550, 430), glass)
    p.chord((256, 156, 544, 424), 20, 160, (200, 140, 60, 200), outline=None)
    p.rect((370, 120, 430, 330), STEEL_LIGHT, r=8, w=3)
    for y in range(140, 320, 16):
        p.line([(378, y), (422, y)], STEEL, 2)
    p.oval((330, 130, 470, 170), glass)
    p.circle(400, 118, 14, STEEL)
    for x, y in ((320, 360), (470, 380), (380, 400)):
        p.oval((x, y, x + 30, y + 14), (90, 140, 60), outline=None)


@picture("mortar")
def _mortar(p, c):
    granite = (132, 134, 140)
    p.poly(_bar((560, 60), (400, 290), 46), _shade(granite, 1.2))
    p.circle(560, 60, 30, _shade(granite, 1.2))
    p.chord((200, 170, 600, 470), 0, 180, granite)
    p.rect((300, 420, 500, 450), _shade(granite, 0.9), r=8)
    p.oval((200, 290, 600, 350), _shade(granite, 0.7))
    p.speckle((240, 360, 560, 420), _shade(granite, 0.6), 70)
    p.speckle((240, 360, 560, 420), _shade(granite, 1.4), 40)
    for x, colour in (
        (310, (200, 40, 40)),
        (350, (230, 230, 210)),
        (440, (200, 40, 40)),
    ):
        p.oval((x, 305, x + 34, 325), colour, w=3)


# --- decor ---------------------------------------------------------------------


@picture("paper_lantern")
def _paper_lantern(p, c):
    p.line([(400, 0), (400, 80)], GRAPHITE, 6)
    p.circle(400, 230, 190, (*GLOW, 70), outline=None)
    p.circle(400, 230, 150, (255, 248, 226))
    for dy in (-100, -50, 0, 50, 100):
        half = math.sqrt(150**2 - dy**2)
        p.arc(
            (400 - half, 230 + dy - 16, 400 + half, 230 + dy + 16),
            0,
            180,
            (226, 206, 160),
            4,
        )
    p.rect((370, 72, 430, 92), WOOD_DARK, r=6)
    p.rect((375, 370, 425, 386), WOOD_DARK, r=6)


@picture("table_lamp")
def _table_lamp(p, c):
    sand = (226, 196, 150)
    p.oval((300, 205, 500, 405), sand)
    p.rect((340, 395, 460, 430), _shade(sand, 0.85), r=10)
    p.arc((320, 240, 460, 380), 200, 260, _mix(sand, WHITE, 0.6), 8)
    p.poly([(270, 60), (530, 60), (560, 220), (240, 220)], (238, 230, 212))
    for x in range(280, 540, 22):
        p.line([(x, 70), (x - 4 + (x - 400) * 0.1, 210)], (222, 212, 190), 3)
    p.line(_curve((480, 420), (620, 430), (660, 470)), GRAPHITE, 5)


@picture("reading_lamp")
def _reading_lamp(p, c):
    brass = (205, 160, 70)
    p.poly([(520, 210), (600, 250), (620, 440), (380, 440)], (*GLOW, 90), outline=None)
    p.poly([(380, 420), (500, 400), (640, 430), (520, 456)], WHITE, w=3)  # a book
    p.line([(500, 400), (520, 456)], STEEL, 3)
    p.oval((140, 410, 300, 450), _shade(brass, 0.8))
    p.line([(220, 420), (260, 230), (470, 140)], brass, 16)
    for x, y in ((220, 420), (260, 230), (470, 140)):
        p.circle(x, y, 14, _shade(brass, 0.8), w=4)
    p.poly([(460, 120), (500, 110), (620, 250), (500, 270)], brass)
    p.oval((496, 216, 624, 276), GLOW, w=4)


@picture("floor_lamp")
def _floor_lamp(p, c):
    rattan = (206, 160, 96)
    oak = (170, 120, 70)
    for foot in (290, 400, 510):
        p.line([(400, 250), (foot, 460)], oak, 12)
    p.line([(400, 180), (400, 260)], GRAPHITE, 6)
    p.poly([(320, 30), (480, 30), (540, 190), (260, 190)], rattan)
    for i in range(1, 8):
        t = i / 8
        p.line([(320 + 160 * t, 32), (260 + 280 * t, 188)], _shade(rattan, 0.7), 3)
        p.line(
            [(260 + 280 * t, 32 + 156 * 0), (320 + 160 * t, 188)],
            _shade(rattan, 0.75),
            3,
        )
    p.chord((280, 160, 520, 220), 0, 180, (*GLOW, 200), outline=None)


@picture("moon_light")
def _moon_light(p, c):
    p.circle(400, 210, 190, (*GLOW, 60), outline=None)
    p.circle(400, 210, 150, (248, 236, 200))
    for x, y, r in (
        (340, 150, 30),
        (450, 190, 22),
        (380, 270, 40),
        (470, 280, 16),
        (320, 230, 14),
        (430, 120, 12),
    ):
        p.circle(x, y, r, (226, 210, 170), outline=(210, 192, 150), w=3)
    p.chord((290, 320, 510, 460), 180, 360, WOOD)
    p.rect((300, 380, 500, 420), WOOD_DARK, r=10)


@picture("vases")
def _vases(p, c):
    # Tall (sage), medium (white), small (clay).
    sage, clay = (150, 176, 140), (200, 120, 80)
    p.line(_curve((260, 130), (240, 80), (210, 50)), (70, 120, 60), 5)
    p.circle(210, 48, 22, (240, 120, 140), w=3)
    p.rect((246, 110, 274, 180), sage)
    p.oval((190, 170, 330, 440), sage)
    p.oval((340, 240, 500, 440), WHITE)
    p.rect((390, 220, 450, 260), WHITE, r=6)
    p.poly([(530, 330), (610, 330), (630, 440), (510, 440)], clay)
    p.oval((524, 318, 616, 342), _shade(clay, 0.8))


@picture("throw_blanket")
def _throw_blanket(p, c):
    wool = (222, 206, 180)
    stripe = _shade(c, 0.85)
    for i, top in enumerate((150, 230, 310)):
        box = (180 + i * 6, top, 620 - i * 6, top + 90)
        p.rect(box, wool, r=30)
        for x in range(box[0] + 30, box[2] - 30, 26):
            p.line(
                [(x, top + 20), (x + 12, top + 38), (x, top + 56), (x + 12, top + 74)],
                _shade(wool, 0.85),
                3,
            )
        p.rect((box[0] + 20, top + 40, box[2] - 20, top + 50), stripe, outline=None)
    for x in range(196, 605, 16):
        p.line([(x, 400), (x + 3, 440)], _shade(wool, 0.8), 5)


# --- clothing ------------------------------------------------------------------


def _top(p, colour, *, sleeves="short", body=(270, 530), hem=440, flare=0):
    """A garment's body and sleeves, seen flat; returns nothing."""
    left, right = body
    if sleeves == "short":
        p.poly([(left, 110), (left - 110, 170), (left - 70, 240), (left, 200)], colour)
        p.poly(
            [(right, 110), (right + 110, 170), (right + 70, 240), (right, 200)], colour
        )
    else:
        p.poly(
            [
                (left, 110),
                (left - 90, 190),
                (left - 130, 420),
                (left - 80, 430),
                (left - 30, 240),
            ],
            colour,
        )
        p.poly(
            [
                (right, 110),
                (right + 90, 190),
                (right + 130, 420),
                (right + 80, 430),
                (right + 30, 240),
            ],
            colour,
        )
    p.poly(
        [
            (left, 100),
            (350, 90),
            (450, 90),
            (right, 100),
            (right + flare, hem),
            (left - flare, hem),
        ],
        colour,
    )


@picture("t_shirt")
def _t_shirt(p, c):
    cotton = (240, 236, 226)
    _top(p, cotton)
    p.chord((340, 50, 460, 140), 0, 180, _mix(c, WHITE, 0.75))
    p.arc((336, 46, 464, 144), 0, 180, _shade(cotton, 0.8), 10)
    p.oval((382, 150, 418, 186), _mix(c, WHITE, 0.4), outline=None)  # a small logo


def _collar(p, colour):
    p.poly([(350, 90), (400, 150), (360, 170), (330, 100)], colour)
    p.poly([(450, 90), (400, 150), (440, 170), (470, 100)], colour)


@picture("linen_shirt")
def _linen_shirt(p, c):
    linen = (196, 216, 232)
    _top(p, linen)
    p.line([(400, 150), (400, 440)], _shade(linen, 0.8), 4)
    for y in range(180, 440, 50):
        p.circle(410, y, 6, WHITE, w=2)
    p.rect((300, 180, 360, 240), linen, r=4, outline=_shade(linen, 0.75), w=3)
    _collar(p, _mix(linen, WHITE, 0.3))


@picture("sweater")
def _sweater(p, c):
    wool = (70, 110, 92)
    rib = _shade(wool, 0.75)
    _top(p, wool, sleeves="long")
    for x0, x1 in ((140, 190), (610, 660)):
        p.poly([(x0 - 3, 395), (x1 - 3, 400), (x1, 430), (x0, 425)], rib)
    p.rect((270, 410, 530, 445), rib, r=4)
    for x in range(282, 530, 12):
        p.line([(x, 416), (x, 440)], _shade(wool, 0.6), 3)
    p.chord((340, 50, 460, 140), 0, 180, _mix(c, WHITE, 0.75))
    p.arc((336, 46, 464, 144), 0, 180, rib, 14)
    for y in range(170, 400, 34):
        p.line([(290, y), (310, y + 12), (330, y)], _shade(wool, 1.25), 3)
        p.line([(470, y), (490, y + 12), (510, y)], _shade(wool, 1.25), 3)


@picture("overshirt")
def _overshirt(p, c):
    denim = (72, 104, 156)
    stitch = (226, 150, 70)
    _top(p, denim, sleeves="long")
    p.line([(400, 150), (400, 440)], _shade(denim, 0.75), 5)
    for x in (300, 440):
        p.rect((x, 180, x + 64, 250), denim, r=6, outline=stitch, w=3)
        p.poly(
            [(x, 180), (x + 64, 180), (x + 32, 206)],
            _shade(denim, 0.85),
            outline=stitch,
            w=3,
        )
        p.circle(x + 32, 198, 5, STEEL, w=2)
    for y in range(200, 440, 55):
        p.circle(412, y, 6, STEEL, w=2)
    _collar(p, _shade(denim, 0.85))


@picture("blouse")
def _blouse(p, c):
    silk = (240, 200, 204)
    _top(p, silk, sleeves="long", flare=40)
    p.poly(
        [(320, 110), (380, 260), (330, 440), (290, 440)],
        _mix(silk, WHITE, 0.45),
        outline=None,
    )
    p.rect((360, 78, 440, 108), _shade(silk, 0.9), r=12)
    p.line([(400, 108), (400, 440)], _shade(silk, 0.8), 3)
    for y in range(140, 420, 45):
        p.circle(400, y, 8, _shade(silk, 0.9), w=2)


@picture("rain_jacket")
def _rain_jacket(p, c):
    yellow = (244, 196, 48)
    _top(p, yellow, sleeves="long")
    p.chord((320, 20, 480, 180), 180, 360, _shade(yellow, 0.85))
    p.line([(400, 100), (400, 440)], GRAPHITE, 6)
    p.rect((392, 120, 408, 150), STEEL, r=4, w=2)
    p.line([(300, 200), (350, 180)], GRAPHITE, 5)
    p.line([(340, 110), (330, 70)], WHITE, 4)
    p.line([(460, 110), (470, 70)], WHITE, 4)
    for x0, x1 in ((140, 190), (610, 660)):
        p.poly(
            [(x0 - 3, 395), (x1 - 3, 400), (x1, 430), (x0, 425)], _shade(yellow, 0.8)
        )


@picture("hoodie")
def _hoodie(p, c):
    marl = (150, 152, 162)
    p.oval((310, 40, 490, 190), _shade(marl, 0.85))
    _top(p, marl, sleeves="long")
    p.oval((340, 70, 460, 150), _shade(marl, 0.55))
    for x in (375, 425):
        p.line([(x, 150), (x, 250)], WHITE, 5)
        p.rect((x - 5, 248, x + 5, 264), STEEL, r=3, w=2)
    p.poly([(310, 320), (490, 320), (530, 420), (270, 420)], _shade(marl, 0.9))
    p.rect((270, 420, 530, 445), _shade(marl, 0.75), r=4)
    for x0, x1 in ((140, 190), (610, 660)):
        p.poly([(x0 - 3, 395), (x1 - 3, 400), (x1, 430), (x0, 425)], _shade(marl, 0.75))


@picture("chinos")
def _chinos(p, c):
    khaki = (196, 170, 120)
    p.poly(
        [
            (280, 90),
            (520, 90),
            (560, 460),
            (440, 460),
            (400, 190),
            (360, 460),
            (240, 460),
        ],
        khaki,
    )
    p.rect((276, 70, 524, 104), _shade(khaki, 0.85))
    for x in (300, 360, 440, 500):
        p.rect((x - 6, 66, x + 6, 108), _shade(khaki, 0.75), w=2)
    p.circle(400, 87, 7, STEEL, w=2)
    p.line([(400, 104), (400, 190)], _shade(khaki, 0.7), 4)
    p.arc((250, 60, 340, 170), 0, 90, _shade(khaki, 0.7), 4)
    p.arc((460, 60, 550, 170), 90, 180, _shade(khaki, 0.7), 4)


# --- accessories ---------------------------------------------------------------


@picture("tote_bag")
def _tote_bag(p, c):
    canvas = (236, 226, 200)
    for x in (300, 440):
        p.arc((x - 20, 50, x + 80, 260), 180, 360, _shade(canvas, 0.7), 18)
    p.poly([(240, 160), (560, 160), (580, 450), (220, 450)], canvas)
    p.circle(400, 300, 60, _mix(c, WHITE, 0.15), w=4)
    p.poly(_regular(400, 300, 34, 5), WHITE, outline=None)


@picture("crossbody_bag")
def _crossbody_bag(p, c):
    leather = (160, 96, 52)
    p.line([(270, 270), (400, 40), (530, 270)], _shade(leather, 0.8), 12)
    p.rect((250, 230, 550, 440), leather, r=30)
    p.poly(
        [(250, 250), (550, 250), (550, 330), (400, 370), (250, 330)],
        _shade(leather, 0.85),
    )
    p.rect((380, 340, 420, 380), (220, 180, 80), r=6, w=3)
    p.line([(268, 420), (532, 420)], _mix(leather, WHITE, 0.4), 2)


@picture("backpack")
def _backpack(p, c):
    nylon = (52, 96, 110)
    p.arc((360, 40, 440, 120), 180, 360, GRAPHITE, 12)
    p.rect((270, 80, 530, 450), nylon, r=70)
    p.rect((240, 260, 290, 420), _shade(nylon, 0.8), r=16)
    p.rect((510, 260, 560, 420), _shade(nylon, 0.8), r=16)
    p.rect((310, 270, 490, 420), _shade(nylon, 0.85), r=30)
    p.arc((290, 100, 510, 300), 200, 340, (230, 230, 230), 5)
    p.line([(330, 300), (470, 300)], (230, 230, 230), 5)
    p.rect((460, 292, 476, 320), STEEL, r=4, w=2)
    p.rect((370, 340, 430, 360), _mix(c, WHITE, 0.3), r=6, w=2)


@picture("silk_scarf")
def _silk_scarf(p, c):
    silk = (242, 230, 214)
    blue = (60, 100, 170)
    diamond = [(400, 30), (620, 250), (400, 470), (180, 250)]
    p.poly(diamond, silk)
    p.poly([(400, 60), (590, 250), (400, 440), (210, 250)], None, outline=blue, w=8)
    for y in (300, 340, 380):
        for x in range(240, 560, 40):
            p.arc((x, y - 16, x + 40, y + 16), 180, 360, blue, 4)
    for x, y, s in ((360, 170, 1), (440, 210, 0.8)):  # cranes
        p.line(
            [(x - 40 * s, y - 10 * s), (x, y + 10 * s), (x + 40 * s, y - 16 * s)],
            (200, 50, 60),
            6,
        )


@picture("beanie")
def _beanie(p, c):
    wool = _shade(c, 1.1)
    p.chord((230, 60, 570, 420), 180, 360, wool)
    for x in range(260, 560, 24):
        p.line(
            _curve((x, 250), (x + (x - 400) * 0.05, 150), (400 + (x - 400) * 0.3, 80)),
            _shade(wool, 0.8),
            4,
        )
    p.rect((220, 240, 580, 340), _shade(wool, 0.9), r=24)
    for x in range(236, 570, 18):
        p.line([(x, 252), (x, 328)], _shade(wool, 0.72), 5)


@picture("card_wallet")
def _card_wallet(p, c):
    leather = (98, 62, 42)
    for dx, colour in ((-30, (60, 120, 200)), (0, (230, 190, 70)), (30, (200, 70, 80))):
        p.rect((300 + dx, 120 + abs(dx), 500 + dx, 260), colour, r=14, w=4)
        p.rect(
            (320 + dx, 150 + abs(dx), 360 + dx, 175 + abs(dx)),
            (230, 210, 140),
            r=4,
            w=2,
        )
    p.rect((240, 200, 560, 420), leather, r=24)
    p.chord((340, 150, 460, 270), 0, 180, _mix(c, WHITE, 0.78), outline=None)
    p.arc((340, 150, 460, 270), 0, 180, INK, 5)
    p.rect((256, 216, 544, 404), None, r=18, outline=(200, 170, 130), w=2)


@picture("duffel")
def _duffel(p, c):
    canvas = (108, 116, 80)
    leather = (140, 84, 44)
    for x in (300, 420):
        p.arc((x, 90, x + 80, 260), 180, 360, leather, 16)
    p.rect((150, 170, 650, 420), canvas, r=100)
    p.line([(200, 180), (600, 180)], GRAPHITE, 5)
    for x in (300, 500):
        p.rect((x - 14, 172, x + 14, 418), leather, w=3)
    p.oval((560, 220, 640, 370), _shade(canvas, 0.85))
    p.rect((385, 166, 415, 190), STEEL, r=6, w=3)


# --- fitness -------------------------------------------------------------------


@picture("basketball")
def _basketball(p, c):
    orange = (232, 116, 40)
    p.oval((230, 410, 570, 460), (0, 0, 0, 40), outline=None)
    p.circle(400, 240, 180, orange)
    p.line([(400, 60), (400, 420)], INK, 6)
    p.line([(220, 240), (580, 240)], INK, 6)
    p.arc((180, 100, 330, 380), 290, 70, INK, 6)
    p.arc((470, 100, 620, 380), 110, 250, INK, 6)
    p.arc((250, 90, 330, 160), 0, 360, (255, 190, 150, 90), 8)


@picture("football")
def _football(p, c):
    p.oval((230, 410, 570, 460), (0, 0, 0, 40), outline=None)
    p.circle(400, 240, 180, WHITE)
    p.poly(_regular(400, 240, 52, 5), GRAPHITE)
    for i in range(5):
        angle = math.radians(-90 + 72 * i)
        inner = (400 + 52 * math.cos(angle), 240 + 52 * math.sin(angle))
        outer = (400 + 150 * math.cos(angle), 240 + 150 * math.sin(angle))
        p.line([inner, outer], INK, 4)
        p.poly(_regular(*outer, 34, 5, turn=math.degrees(angle) + 180), GRAPHITE)


@picture("yoga_block")
def _yoga_block(p, c):
    cork = (204, 160, 108)
    top = [(220, 220), (340, 140), (600, 140), (480, 220)]
    side = [(480, 220), (600, 140), (600, 320), (480, 400)]
    p.poly(top, _shade(cork, 1.12))
    p.poly(side, _shade(cork, 0.8))
    p.rect((220, 220, 480, 400), cork)
    p.speckle((230, 230, 470, 390), _shade(cork, 0.7), 120, r=2)
    p.speckle((350, 150, 580, 210), _shade(cork, 0.8), 60, r=2)


@picture("resistance_bands")
def _resistance_bands(p, c):
    colours = [(250, 214, 60), (230, 80, 70), (70, 170, 100), (60, 110, 200), GRAPHITE]
    for i, colour in enumerate(colours):
        x = 150 + i * 70
        y = 110 + (i % 2) * 40
        p.oval((x, y, x + 220, y + 270), None, outline=INK, w=26)
        p.oval((x + 3, y + 3, x + 217, y + 267), None, outline=colour, w=20)


@picture("dumbbell")
def _dumbbell(p, c):
    iron = (50, 52, 58)
    p.rect((260, 225, 540, 265), STEEL_LIGHT, r=8)
    for x in range(300, 500, 10):
        p.line([(x, 230), (x + 6, 260)], STEEL, 2)
    for side in (-1, 1):
        for i, half in enumerate((110, 90, 70)):
            x = 400 + side * (160 + i * 36)
            p.rect((x - 16, 245 - half, x + 16, 245 + half), iron, r=8)
            p.line(
                [(x - 6, 245 - half + 10), (x - 6, 245 + half - 10)],
                _shade(iron, 1.6),
                3,
            )
        x = 400 + side * 130
        p.rect((x - 12, 205, x + 12, 285), STEEL, r=6)
    p.rect((170, 240, 630, 250), STEEL, outline=None)


@picture("jump_rope")
def _jump_rope(p, c):
    handle = _shade(c, 0.85)
    p.line(_curve((240, 300), (400, -180), (560, 300)), GRAPHITE, 6)
    for x in (240, 560):
        p.rect((x - 22, 290, x + 22, 450), handle, r=20)
        p.rect((x - 14, 280, x + 14, 300), STEEL, r=4, w=3)
        for y in range(320, 440, 20):
            p.line([(x - 14, y), (x + 14, y)], _shade(handle, 0.8), 3)


@picture("ping_pong")
def _ping_pong(p, c):
    for cx, cy, rubber, turn in (
        (320, 200, (200, 40, 40), 30),
        (470, 230, GRAPHITE, -30),
    ):
        handle_end = (
            cx + 190 * math.sin(math.radians(turn)),
            cy + 190 * math.cos(math.radians(turn)),
        )
        p.poly(_bar((cx, cy), handle_end, 50), WOOD)
        p.circle(cx, cy, 125, WOOD)
        p.circle(cx, cy, 115, rubber, outline=None)
    p.circle(610, 400, 26, (250, 160, 60))


@picture("foam_roller")
def _foam_roller(p, c):
    foam = (40, 110, 180)
    p.oval((180, 420, 620, 460), (0, 0, 0, 40), outline=None)
    p.rect((180, 160, 560, 400), foam)
    for y in range(180, 400, 36):
        for x in range(196, 540, 36):
            p.rect((x, y, x + 20, y + 16), _shade(foam, 0.75), r=6, outline=None)
    p.oval((500, 160, 620, 400), _shade(foam, 1.2))
    p.oval((530, 230, 590, 330), _shade(foam, 0.5))


# --- camping -------------------------------------------------------------------


@picture("dome_tent")
def _dome_tent(p, c):
    fly = (70, 140, 80)
    for x0, x1 in ((160, 120), (640, 680)):
        p.line([(400 + (x0 - 400) * 0.6, 220), (x1, 440)], GRAPHITE, 3)
    p.line([(120, 440), (680, 440)], _shade(c, 0.6), 4)
    p.chord((170, 80, 630, 800), 180, 360, fly)
    p.arc((220, 110, 580, 780), 200, 340, _shade(fly, 0.7), 6)
    p.arc((290, 90, 510, 790), 210, 330, _shade(fly, 0.7), 6)
    p.chord((320, 230, 480, 650), 180, 360, _shade(fly, 0.55))
    p.line([(400, 232), (400, 440)], (250, 220, 120), 4)


@picture("tunnel_tent")
def _tunnel_tent(p, c):
    fly = (232, 120, 50)
    p.line([(90, 440), (710, 440)], _shade(c, 0.6), 4)
    # Three hoops, lower towards the back, the door in the tallest.
    for (cx, half, top), shade in (
        ((580, 120, 300), 0.8),
        ((440, 150, 240), 0.9),
        ((270, 170, 190), 1.0),
    ):
        p.chord((cx - half, top, cx + half, 880 - top), 180, 360, _shade(fly, shade))
        p.arc((cx - half, top, cx + half, 880 - top), 180, 360, _shade(fly, 0.6), 8)
    p.chord((190, 280, 350, 600), 180, 360, _shade(fly, 0.55))
    p.line([(270, 282), (270, 440)], (250, 230, 160), 4)
    for x0, x1 in ((110, 80), (700, 730)):
        p.line([(x0 + (1 if x0 < 400 else -1) * 40, 330), (x1, 440)], GRAPHITE, 3)


@picture("sleeping_bag")
def _sleeping_bag(p, c):
    shell = (190, 50, 60)
    outline = [
        (330, 70),
        (470, 70),
        (520, 160),
        (500, 440),
        (440, 470),
        (360, 470),
        (300, 440),
        (280, 160),
    ]
    p.poly(outline, shell)
    p.oval((340, 90, 460, 190), GRAPHITE)
    p.oval((360, 110, 440, 170), (250, 220, 200), outline=None)
    for y in range(220, 460, 40):
        p.arc((290, y - 30, 510, y + 30), 20, 160, _shade(shell, 0.7), 4)
    p.line([(480, 180), (470, 440)], _shade(shell, 0.6), 5)
    p.rect((470, 180, 492, 196), STEEL, r=4, w=2)


@picture("camp_chair")
def _camp_chair(p, c):
    frame = STEEL
    seat = _shade(c, 0.85)
    p.line([(260, 440), (520, 260)], frame, 10)
    p.line([(540, 440), (280, 260)], frame, 10)
    p.line([(260, 100), (280, 260)], frame, 10)
    p.line([(540, 100), (520, 260)], frame, 10)
    p.poly([(262, 110), (538, 110), (522, 250), (278, 250)], seat)
    p.poly([(270, 250), (530, 250), (560, 300), (240, 300)], _shade(seat, 0.8))
    for x in (230, 570):
        p.rect((x - 40, 200, x + 40, 216), GRAPHITE, r=6)
    p.rect((555, 216, 600, 260), GRAPHITE, r=6)  # cup holder
    for x in (260, 540):
        p.rect((x - 16, 436, x + 16, 448), GRAPHITE, r=4)


@picture("camp_stove")
def _camp_stove(p, c):
    gas = (70, 110, 190)
    p.rect((290, 300, 510, 450), gas, r=20)
    p.oval((290, 282, 510, 320), _shade(gas, 1.3))
    p.text(400, 395, "GAS", 30, WHITE)
    p.rect((375, 240, 425, 295), STEEL, r=6)
    p.line(_curve((425, 262), (500, 250), (500, 290)), (220, 60, 60), 6)  # valve
    # Three folding pot supports, a pan's width across, the flame between them.
    for side in (-1, 1):
        p.line(
            [(400 + side * 30, 215), (400 + side * 150, 200), (400 + side * 160, 170)],
            STEEL,
            9,
        )
    p.poly([(400, 70), (450, 150), (440, 205), (360, 205), (350, 150)], (250, 150, 50))
    p.poly([(400, 120), (425, 165), (415, 205), (385, 205), (375, 165)], (90, 160, 250))
    p.rect((350, 200, 450, 245), (200, 206, 214), r=12)
    for x in range(364, 440, 14):
        p.line([(x, 212), (x, 232)], _shade(STEEL, 0.7), 3)


@picture("headlamp")
def _headlamp(p, c):
    strap = _shade(c, 0.9)
    p.oval((170, 150, 630, 350), None, outline=INK, w=34)
    p.oval((173, 153, 627, 347), None, outline=strap, w=26)
    p.line([(400, 155), (400, 110)], strap, 24)
    p.circle(420, 320, 130, (*GLOW, 70), outline=None)
    p.circle(420, 320, 90, (*GLOW, 90), outline=None)
    p.rect((310, 250, 500, 390), GRAPHITE, r=34)
    p.circle(425, 320, 48, GLOW, outline=STEEL, w=6)
    p.circle(425, 320, 20, (255, 250, 220), outline=None)
    p.circle(348, 295, 13, (230, 60, 60), w=3)
    p.rect((330, 340, 372, 360), STEEL, r=6, w=2)


@picture("water_bottle")
def _water_bottle(p, c):
    steel = (120, 170, 200)
    p.oval((300, 430, 500, 465), (0, 0, 0, 40), outline=None)
    p.rect((320, 140, 480, 450), steel, r=50)
    p.rect((345, 170, 365, 420), _mix(steel, WHITE, 0.5), r=10, outline=None)
    p.rect((345, 100, 455, 150), STEEL_LIGHT, r=12)
    p.rect((340, 50, 460, 110), GRAPHITE, r=18)
    p.arc((370, 10, 430, 80), 180, 360, GRAPHITE, 12)
    p.rect((320, 300, 480, 330), _shade(c, 0.8), outline=None)


@cache
def _gradient(size):
    """A mask from black at the top to white at the bottom (made once)."""
    return Image.linear_gradient("L").resize(size)


def draw_product(
    *, title: str, colour: tuple[int, int, int], picture: str, seed: int
) -> bytes:
    """Return a JPEG of the named drawing on a background of the category's colour."""
    rnd = random.Random(seed)
    width, height = SIZE
    full = (width * SCALE, height * SCALE)
    top, bottom = _mix(colour, WHITE, 0.86), _mix(colour, WHITE, 0.7)
    image = Image.composite(
        Image.new("RGB", full, bottom),
        Image.new("RGB", full, top),
        _gradient(full),
    )
    pen = Pen(image, rnd)
    for _ in range(5):
        r = rnd.randint(40, 120)
        x, y = rnd.randint(0, width), rnd.randint(0, height - 140)
        pen.circle(x, y, r, (*WHITE, 60), outline=None)
    PICTURES[picture](pen, colour)

    pen.rect((40, 490, 760, 560), WHITE, r=16, outline=None)
    text = title if len(title) <= 30 else title[:29] + "…"
    pen.text(400, 525, text, 36, _shade(colour, 0.55))
    out = io.BytesIO()
    image.reduce(SCALE).save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
