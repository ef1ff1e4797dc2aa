"""Fake webcam clips for Chromium, made from the fixture photos.

Chromium plays a Y4M file as the camera (`--use-file-for-fake-video-capture`) and
loops it. A clip is a list of RGB frames; each photo is scaled to cover the frame
and centred on its face, as a webcam would see someone sitting in front of it.
"""

from pathlib import Path

import numpy as np

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"


def photo_frame(name: str, *, face_width: int = 200) -> np.ndarray:
    """A frame showing the fixture photo `name` (relative to tests/fixtures/faces),
    scaled so the (largest) face is `face_width` pixels wide and centred on it."""
    from faceauth import engine, simulation

    photo = engine.decode_photo((FACES / name).read_bytes())
    return simulation.photo_frame(photo, face_width=face_width)


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
