"""Fake webcam clips for Chromium, made from the fixture photos.

Chromium plays a Y4M file as the camera (`--use-file-for-fake-video-capture`) and
loops it. A clip is a list of RGB frames; each photo is scaled to cover the frame
and centred on its face, as a webcam would see someone sitting in front of it.
"""

from pathlib import Path

import numpy as np
from PIL import Image

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
WIDTH, HEIGHT = 640, 480


def photo_frame(
    name: str, *, width: int = WIDTH, height: int = HEIGHT, face_width: int = 200
) -> np.ndarray:
    """A frame showing the fixture photo `name` (relative to tests/fixtures/faces),
    scaled so the (largest) face is `face_width` pixels wide and centred on it."""
    from faceauth import engine

    photo = engine.decode_image(
        (FACES / name).read_bytes(),
        max_bytes=engine.PHOTO_MAX_BYTES,
        max_pixels=engine.PHOTO_MAX_PIXELS,
    )
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
    frame = Image.new("RGB", (width, height), (235, 235, 235))
    frame.paste(
        scaled,
        (round(width / 2 - centre_x * scale), round(height / 2 - centre_y * scale)),
    )
    return np.asarray(frame)


def write_y4m(path: Path, frames: list[np.ndarray], *, fps: int = 15) -> Path:
    """Write RGB frames as a 4:2:0 Y4M clip (full-range BT.601, as JPEG uses)."""
    height, width = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            for plane in _yuv420(frame):
                out.write(plane.tobytes())
    return path


def _yuv420(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rgb = frame.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    v = 0.5 * r - 0.418688 * g - 0.081312 * b + 128

    def half(plane):
        h, w = plane.shape
        return (
            plane[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2).mean((1, 3))
        )

    return tuple(
        np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (y, half(u), half(v))
    )


def clip_of(path: Path, photos: list[tuple[str, float]], *, fps: int = 15) -> Path:
    """A clip showing each (photo, seconds) in turn."""
    frames = []
    for name, seconds in photos:
        frame = photo_frame(name)
        frames += [frame] * max(1, round(seconds * fps))
    return write_y4m(path, frames, fps=fps)
