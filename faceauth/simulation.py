"""Synthetic faces that move: the live person of the liveness evaluation and of the
browser tests' reacting camera, made from one still photo.

A landmark-driven warp moves the 68 landmark points of the photo's face to where
they would be in a smile, a head turn or an open mouth, at any degree from 0
(neutral) to 1, and bends the picture with them: a thin-plate spline through those
points and a fixed ring around the head, evaluated on a coarse grid and sampled
bilinearly (about 70 ms for a 640x480 frame). A little noise makes every frame
different, as a camera's are.

This is what a 2-D liveness check cannot tell from a live face: an animated photo.
It stands in for a real shopper here; docs/security.md says what that means.
"""

import base64
import io
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from . import engine

WIDTH, HEIGHT = 640, 480
FACE_WIDTH = 200  # pixels: a webcam face at arm's length
BACKGROUND = (235, 235, 235)

# How far each action goes at degree 1, in eye distances or degrees of turn. A
# person asked to turn turns further than this: the measures cross their
# thresholds (faceauth/liveness.py) at about half to two thirds of the way.
SMILE_WIDEN = 0.14  # each mouth corner moves out this far
SMILE_LIFT = 0.14  # and up this far
TURN_DEGREES = 20
NOSE_DEPTH = 0.15  # how far the nose stands out of the head's cylinder, in radii
JAW_DROP = 0.45  # the chin and lower lip move down this far

ACTIONS = ("smile", "turn-left", "turn-right", "open-mouth")
# The engine's measure each action moves (engine.FaceMeasures), and which way.
MEASURE_OF = {
    "smile": ("smile", 1),
    "turn-left": ("yaw", 1),
    "turn-right": ("yaw", -1),
    "open-mouth": ("mouth_open", 1),
}

# Rendered degrees of each action, at which its measure has gone 1/16, 2/16, ... of
# its way (Poser.even_degrees). A live face passes through every degree; at 8, a
# frame at 15 a second could skip from 2/8 to 5/8 of a move.
CAMERA_LEVELS = 16
# How many degrees of each move are measured to find those.
CALIBRATION_STEPS = 24


def photo_frame(
    photo: np.ndarray,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    face_width: int = FACE_WIDTH,
) -> np.ndarray:
    """A webcam-sized frame of `photo`, scaled so its (largest) face is `face_width`
    pixels wide and centred on its faces, as a camera would see someone sitting in
    front of it. A photo without a face is scaled to cover the frame."""
    boxes = engine.find_faces_in_photo(photo)
    if boxes:
        # The middle of all faces, so a photo of two people keeps both in view.
        tops, rights, bottoms, lefts = zip(*boxes, strict=True)
        largest = max(boxes, key=engine.box_area)
        scale = face_width / (largest[1] - largest[3])
        centre_x = (min(lefts) + max(rights)) / 2
        centre_y = (min(tops) + max(bottoms)) / 2
    else:
        scale = max(width / photo.shape[1], height / photo.shape[0])
        centre_x, centre_y = photo.shape[1] / 2, photo.shape[0] / 2
    image = Image.fromarray(photo)
    size = (round(image.width * scale), round(image.height * scale))
    scaled = image.resize(size, Image.BILINEAR)
    frame = Image.new("RGB", (width, height), BACKGROUND)
    frame.paste(
        scaled,
        (round(width / 2 - centre_x * scale), round(height / 2 - centre_y * scale)),
    )
    return np.asarray(frame)


def to_jpeg(frame: np.ndarray, *, quality: int = 80) -> bytes:
    """JPEG bytes of a frame, as the face page sends them (quality 0.8)."""
    out = io.BytesIO()
    Image.fromarray(frame).save(out, "JPEG", quality=quality)
    return out.getvalue()


def with_noise(
    frame: np.ndarray, rng: np.random.Generator, *, sigma: float = 3.0
) -> np.ndarray:
    """The frame with sensor-like noise and a shake of up to a pixel: no two frames
    are the same bytes."""
    noise = rng.normal(0, sigma, frame.shape)
    noisy = np.clip(frame + noise, 0, 255).astype(np.uint8)
    dx, dy = rng.integers(-1, 2, 2)
    return np.roll(noisy, (int(dy), int(dx)), axis=(0, 1))


class Poser:
    """Poses of the one face in a frame: `pose("smile", 0.5)` is a half smile."""

    def __init__(self, frame: np.ndarray):
        boxes = engine.find_faces_in_frame(frame)
        if len(boxes) != 1:
            raise ValueError(f"expected one face, found {len(boxes)}")
        self.frame = frame
        self.points = engine.face_landmarks(frame, boxes[0]).points

    @cached_property
    def _anchors(self) -> np.ndarray:
        """Points that hold the picture around the face: a ring around the head
        and the frame's border."""
        height, width = self.frame.shape[:2]
        jaw = self.points[:17]
        centre = self.points.mean(axis=0)
        radius = (jaw[:, 0].max() - jaw[:, 0].min()) / 2
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        ring = np.stack(
            [
                centre[0] + 1.9 * radius * np.cos(angles),
                centre[1] + 2.1 * radius * np.sin(angles),
            ],
            axis=1,
        )
        xs, ys = np.linspace(0, width - 1, 5), np.linspace(0, height - 1, 5)
        border = [(x, y) for x in xs for y in (0, height - 1)]
        border += [(x, y) for y in ys[1:-1] for x in (0, width - 1)]
        return np.vstack([ring, np.array(border, dtype=float)])

    def pose(self, action: str, degree: float) -> np.ndarray:
        """The frame with the face doing `action` to `degree` (0 to 1)."""
        if degree <= 0 or action == "neutral":
            return self.frame
        moved = _moved_landmarks(self.points, action, degree)
        anchors = self._anchors
        moved_anchors = anchors.copy()
        if action.startswith("turn"):
            # The ring around the head follows part of the turn, or the far side of
            # the face would tear.
            sign = 1 if action == "turn-left" else -1
            jaw = self.points[:17]
            radius = (jaw[:, 0].max() - jaw[:, 0].min()) / 2
            shift = 0.5 * radius * np.sin(np.radians(TURN_DEGREES) * degree)
            moved_anchors[:16, 0] += sign * shift
        image = _warp(
            self.frame,
            np.vstack([self.points, anchors]),
            np.vstack([moved, moved_anchors]),
        )
        if action == "open-mouth":
            # The inside of an open mouth is dark, not stretched lip.
            picture = Image.fromarray(image)
            ImageDraw.Draw(picture, "RGBA").polygon(
                [tuple(point) for point in moved[60:68]],
                fill=(40, 15, 15, round(230 * min(1.0, degree * 1.5))),
            )
            image = np.asarray(picture)
        return image

    def even_degrees(
        self, action: str, levels: int, *, steps: int = CALIBRATION_STEPS
    ) -> list[float]:
        """`levels` degrees of `action` at which the engine's measure of the move
        rises in even steps, the last where it is highest: the move as a live face
        makes it, passing through every value on its way.

        The warp's degree is not the measure: an open mouth reads closed until the
        lips part (a quarter of the way) and wide open at 60 % of it, so at evenly
        spaced degrees the whole measured move happened in a fifth of the camera's
        move time, between two frames at 10 a second. The measure is taken at
        `steps` degrees; its running highest value is inverted by interpolation.
        """
        name, sign = MEASURE_OF[action]
        neutral = getattr(self.measures(self.frame), name)
        fine = np.linspace(0, 1, steps + 1)
        way = [0.0] + [
            sign * (getattr(self.measures(self.pose(action, d)), name) - neutral)
            for d in fine[1:]
        ]
        reached = np.maximum.accumulate(np.maximum(way, 0))
        if reached[-1] <= 0:
            raise ValueError(f"the engine does not see {action!r} move")
        degrees = []
        for target in reached[-1] * np.arange(1, levels + 1) / levels:
            i = int(np.argmax(reached >= target))  # reached[i - 1] < target
            share = (target - reached[i - 1]) / (reached[i] - reached[i - 1])
            degrees.append(float(fine[i - 1] + share * (fine[i] - fine[i - 1])))
        return degrees

    @staticmethod
    def measures(frame: np.ndarray) -> engine.FaceMeasures:
        """The engine's measures of the frame's one face, as the page sends it."""
        look = engine.look_at_frame(engine.decode_image(to_jpeg(frame, quality=92)))
        if look.measures is None:
            raise ValueError(f"expected one face, found {len(look.boxes)}")
        return look.measures


def _moved_landmarks(points: np.ndarray, action: str, degree: float) -> np.ndarray:
    points = points.copy()
    eye_distance = np.linalg.norm(points[42:48].mean(0) - points[36:42].mean(0))
    if action == "smile":
        mouth = points[48:68]
        centre = (points[48, 0] + points[54, 0]) / 2
        half_width = (points[54, 0] - points[48, 0]) / 2
        across = (mouth[:, 0] - centre) / half_width
        mouth[:, 0] += degree * SMILE_WIDEN * eye_distance * across
        mouth[:, 1] -= degree * SMILE_LIFT * eye_distance * across**2
        points[48:68] = mouth
        points[[3, 4, 5, 11, 12, 13], 1] -= degree * 0.03 * eye_distance  # cheeks
    elif action in ("turn-left", "turn-right"):
        # The head as a cylinder turning about its vertical axis; the nose stands
        # out of it. Turning to the shopper's own left moves the nose toward the
        # image's right edge (the frames are not mirrored).
        sign = 1 if action == "turn-left" else -1
        angle = np.radians(TURN_DEGREES) * degree * sign
        jaw = points[:17]
        centre = (jaw[:, 0].max() + jaw[:, 0].min()) / 2
        radius = (jaw[:, 0].max() - jaw[:, 0].min()) / 2
        across = points[:, 0] - centre
        depth = np.sqrt(np.clip(radius**2 - across**2, 0, None))
        depth[27:36] += (
            NOSE_DEPTH
            * radius
            * np.array([0.2, 0.4, 0.6, 1, 0.5, 0.55, 0.6, 0.55, 0.5])
        )
        points[:, 0] = centre + across * np.cos(angle) + depth * np.sin(angle)
    elif action == "open-mouth":
        chin_and_lower_lip = [6, 7, 8, 9, 10, *range(55, 60), 65, 66, 67]
        share = np.array([0.5, 0.8, 1, 0.8, 0.5] + [1] * 8)
        points[chin_and_lower_lip, 1] += degree * JAW_DROP * eye_distance * share
        points[[4, 5, 11, 12], 1] += degree * 0.15 * eye_distance
    else:
        raise ValueError(f"unknown action {action!r}")
    return points


# --- the warp ------------------------------------------------------------------------

GRID_STEP = 8


def _warp(image: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Bend `image` so that the points `source` land on `target`."""
    height, width = image.shape[:2]
    spline = _ThinPlateSpline(target, source)  # backward: where each pixel comes from
    grid_y, grid_x = np.mgrid[
        0 : height + GRID_STEP : GRID_STEP, 0 : width + GRID_STEP : GRID_STEP
    ]
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(float)
    mapped = spline(grid).reshape(grid_y.shape + (2,))
    from_x = _upsampled(mapped[..., 0], height, width)
    from_y = _upsampled(mapped[..., 1], height, width)
    return _sample(image, from_x, from_y)


@dataclass
class _ThinPlateSpline:
    """The smoothest map taking each of `points` to its `values`."""

    points: np.ndarray
    values: np.ndarray

    def __post_init__(self):
        count = len(self.points)
        system = np.zeros((count + 3, count + 3))
        system[:count, :count] = _kernel(self.points, self.points) + 1e-3 * np.eye(
            count
        )
        affine = np.hstack([np.ones((count, 1)), self.points])
        system[:count, count:] = affine
        system[count:, :count] = affine.T
        rhs = np.zeros((count + 3, 2))
        rhs[:count] = self.values
        self.weights = np.linalg.solve(system, rhs)

    def __call__(self, at: np.ndarray) -> np.ndarray:
        count = len(self.points)
        bend = _kernel(at, self.points) @ self.weights[:count]
        return bend + self.weights[count] + at @ self.weights[count + 1 :]


def _kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    distance = np.linalg.norm(a[:, None] - b[None], axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(distance > 0, distance**2 * np.log(distance), 0.0)


def _upsampled(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    rows, cols = grid.shape
    ys = np.arange(height) / GRID_STEP
    xs = np.arange(width) / GRID_STEP
    y0 = np.minimum(ys.astype(int), rows - 2)
    x0 = np.minimum(xs.astype(int), cols - 2)
    fy = (ys - y0)[:, None]
    fx = (xs - x0)[None, :]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x0 + 1] * fx
    bottom = grid[y0 + 1][:, x0] * (1 - fx) + grid[y0 + 1][:, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def _sample(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    x0 = np.clip(np.floor(xs).astype(int), 0, width - 2)
    y0 = np.clip(np.floor(ys).astype(int), 0, height - 2)
    fx = np.clip(xs - x0, 0, 1)[..., None]
    fy = np.clip(ys - y0, 0, 1)[..., None]
    pixels = image.astype(np.float32)
    top = pixels[y0, x0] * (1 - fx) + pixels[y0, x0 + 1] * fx
    bottom = pixels[y0 + 1, x0] * (1 - fx) + pixels[y0 + 1, x0 + 1] * fx
    return np.clip(top * (1 - fy) + bottom * fy, 0, 255).astype(np.uint8)


# --- the reacting camera of the browser tests and benchmarks -----------------------

# The browser they run it in: Debian's Chromium, as root, headless, with no network
# (`make browser` installs it). The Y4M clips of the browser tests add their fake
# device flags to these.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

CAMERA_SCRIPT = Path(__file__).with_name("simulation_camera.js")


def film(photo: bytes, *, levels: int = CAMERA_LEVELS) -> dict[str, list[bytes]]:
    """JPEG frames of a photo's face: neutral, and each action at `levels` degrees
    whose measures rise evenly (Poser.even_degrees; about 10 s a photo)."""
    poser = Poser(photo_frame(engine.decode_photo(photo)))
    frames = {"neutral": [to_jpeg(poser.frame, quality=92)]}
    for action in ACTIONS:
        frames[action] = [
            to_jpeg(poser.pose(action, degree), quality=92)
            for degree in poser.even_degrees(action, levels)
        ]
    return frames


def camera_script(
    frames: dict[str, list[bytes]],
    *,
    mode: str = "genuine",
    seed: int = 0,
    script: tuple[tuple[str, float, float], ...] = (),
    loop_s: float | None = None,
    reaction_s: tuple[float, float] = (0.3, 0.6),
    move_s: tuple[float, float] = (0.35, 0.5),
    back_reaction_s: tuple[float, float] = (0.3, 0.5),
    back_s: tuple[float, float] = (0.3, 0.45),
) -> str:
    """A page init script (Playwright's `add_init_script`) that replaces the camera
    with one showing `frames` (see `film`) and reacting to the face page's cues as
    `mode` says: genuine, swap, still or blind (simulation_camera.js)."""
    if mode not in ("genuine", "swap", "still", "blind"):
        raise ValueError(f"unknown camera mode {mode!r}")
    config = {
        "mode": mode,
        "seed": seed,
        "width": WIDTH,
        "height": HEIGHT,
        "frames": {
            action: [
                "data:image/jpeg;base64," + base64.b64encode(data).decode()
                for data in images
            ]
            for action, images in frames.items()
        },
        "script": [list(step) for step in script],
        "loop_s": loop_s,
        "reaction_s": list(reaction_s),
        "move_s": list(move_s),
        "back_reaction_s": list(back_reaction_s),
        "back_s": list(back_s),
    }
    return CAMERA_SCRIPT.read_text().replace("__CAMERA_CONFIG__", json.dumps(config))
