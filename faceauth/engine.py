"""The face engine: the only module that imports face_recognition (and so dlib).

Small functions on numpy arrays (RGB, uint8, shape ``(height, width, 3)``):
decode a frame safely, find faces, compute the 128-d encoding, compare encodings,
and measure the landmarks liveness needs. Boxes are ``(top, right, bottom, left)``
in the pixel coordinates of the image they were found in, like face_recognition's.
Nothing here touches the database or the network; of Django, only the words for a
refused picture are marked for translation (lazily: read in the active language).
"""

import io
import math
import warnings
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

ENCODING_SIZE = 128
ENCODING_DTYPE = np.dtype("<f8")

# Frames streamed at checkout are small; an uploaded enrolment photo may be a phone photo.
FRAME_MAX_BYTES = 256 * 1024
FRAME_MAX_PIXELS = 1920 * 1080
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 25_000_000
# A larger JPEG photo is decoded at 1/2, 1/4 or 1/8 scale, never whole: a 36 MP one at
# 1/4 (2000x1125), a 12 MP one at 1/2 (2016x1512), both larger than the copy that
# detection searches (PHOTO_DETECT_SIDE).
PHOTO_JPEG_TARGET_PIXELS = 8_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# libjpeg decodes a progressive JPEG once per scan: 12-byte scans that each sweep the
# whole image made a 256 KiB frame cost 3 s of CPU, and a 10 MiB photo minutes.
# Encoders write about ten scans.
MAX_JPEG_SCANS = 100

# HOG finds faces down to about 80 px at upsample 0 and 40 px at upsample 1.
WEBCAM_DETECT_SIDE = 320
FULL_DETECT_SIDE = 640
PHOTO_DETECT_SIDE = 1280

# Enrolment quality gates, measured on the fixture photos and webcam frames.
MIN_FACE_SHARE = 0.12  # face box width / image width, a webcam face at arm's length
MIN_FACE_PIXELS = 80
MIN_SHARPNESS = 30.0  # variance of the Laplacian on a 128 px grey face crop

_api = None  # face_recognition.api, once imported (_library)


class Reason(StrEnum):
    """Why a frame or photo gave no usable face; the values are stable codes."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_FORMAT = "unsupported_format"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNREADABLE = "unreadable"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    FACE_CUT_OFF = "face_cut_off"
    FACE_TOO_SMALL = "face_too_small"
    BLURRY = "blurry"


REASON_MESSAGES = {
    Reason.EMPTY: _("The image is empty."),
    Reason.TOO_LARGE: _("The image file is too large."),
    Reason.UNSUPPORTED_FORMAT: _("Use a JPEG, PNG or WebP image."),
    Reason.TOO_MANY_PIXELS: _("The image has too many pixels."),
    Reason.UNREADABLE: _("The image could not be read."),
    Reason.NO_FACE: _("No face was found."),
    Reason.SEVERAL_FACES: _("More than one face is visible: only yours should be."),
    Reason.FACE_CUT_OFF: _("Your face is cut off by the edge: centre it."),
    Reason.FACE_TOO_SMALL: _("Your face is too small: move closer."),
    Reason.BLURRY: _("The picture is blurry: hold still."),
}


class FrameRejected(Exception):
    """Raised when a frame or photo cannot give exactly one usable face."""

    def __init__(self, reason: Reason, detail: str = ""):
        self.reason = Reason(reason)
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else str(self.reason))

    @property
    def message(self) -> str:
        """What to tell the user, in the active language."""
        return str(REASON_MESSAGES[self.reason])


Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Landmarks:
    """The 68 landmark points of one face, as a ``(68, 2)`` float array of (x, y)."""

    points: np.ndarray

    def centre(self, indexes: slice) -> np.ndarray:
        return self.points[indexes].mean(axis=0)


# --- models ---------------------------------------------------------------------


def _library():
    """face_recognition's API, imported on first use: the import loads every model
    the library has (about a second), which a process that never looks at a face
    (a web node serving the shop) should not pay for."""
    global _api
    if _api is None:
        truncated = ImageFile.LOAD_TRUNCATED_IMAGES
        with warnings.catch_warnings():
            # face_recognition_models imports pkg_resources, which warns on import.
            warnings.simplefilter("ignore", UserWarning)
            import face_recognition.api

        # Importing the library tells Pillow, for the whole process, to accept
        # truncated pictures: put it back, a truncated picture stays refused.
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
        _api = face_recognition.api
    return _api


def warm_up() -> None:
    """Load the models now (about a second) rather than on the first frame."""
    _library()


# --- decoding -------------------------------------------------------------------


def bytes_check(data: bytes, *, max_bytes: int = FRAME_MAX_BYTES) -> None:
    """Refuse empty or over-size bytes: the checks that need no decoding."""
    if not data:
        raise FrameRejected(Reason.EMPTY)
    if len(data) > max_bytes:
        raise FrameRejected(Reason.TOO_LARGE, f"{len(data)} bytes > {max_bytes}")


def decode_image(
    data: bytes,
    *,
    max_bytes: int = FRAME_MAX_BYTES,
    max_pixels: int = FRAME_MAX_PIXELS,
    jpeg_target_pixels: int | None = None,
) -> np.ndarray:
    """Decode JPEG, PNG or WebP bytes to an upright RGB array, refusing anything else.

    The byte size, the format, the pixel count and a JPEG's number of scans are
    checked before any pixel is decoded, so a decompression bomb costs nothing.
    With ``jpeg_target_pixels``, a JPEG with more pixels is decoded at reduced scale,
    and may then have more than ``max_pixels`` at full size (see _reduce_jpeg).
    """
    bytes_check(data, max_bytes=max_bytes)
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 MP: the caps below are lower, except for a JPEG
            # decoded at reduced scale. Its hard limit, 179 MP, still refuses.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
    except UnidentifiedImageError as error:
        raise FrameRejected(Reason.UNSUPPORTED_FORMAT) from error
    except Image.DecompressionBombError as error:
        raise FrameRejected(Reason.TOO_MANY_PIXELS) from error
    except Exception as error:  # noqa: BLE001 - a hostile header may raise anything
        raise FrameRejected(Reason.UNREADABLE, type(error).__name__) from error
    width, height = image.size
    if width < 1 or height < 1:
        raise FrameRejected(Reason.UNREADABLE, "no pixels")
    if image.format in ("JPEG", "MPO") and jpeg_target_pixels is not None:
        _reduce_jpeg(image, data, target=jpeg_target_pixels, max_pixels=max_pixels)
    # The size that will be decoded: the declared one, or the reduced one.
    if image.width * image.height > max_pixels:
        raise FrameRejected(Reason.TOO_MANY_PIXELS, f"{width}x{height}")
    if image.format in ("JPEG", "MPO"):
        # Every scan starts with an SOS marker, which cannot occur inside entropy-coded
        # data: the count is an upper bound (an EXIF thumbnail's scans count too).
        scans = data.count(b"\xff\xda")
        if scans > MAX_JPEG_SCANS:
            raise FrameRejected(Reason.UNREADABLE, f"{scans} JPEG scans")
    try:
        image.load()
        image = _turned_upright(image)
        image = _to_rgb(image)
        return np.asarray(image, dtype=np.uint8)
    except Exception as error:  # noqa: BLE001 - truncated or corrupt pixel data
        raise FrameRejected(Reason.UNREADABLE, type(error).__name__) from error


def decode_photo(data: bytes) -> np.ndarray:
    """Decode an uploaded photo: within PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS, and a
    JPEG over PHOTO_JPEG_TARGET_PIXELS at 1/2, 1/4 or 1/8 scale."""
    return decode_image(
        data,
        max_bytes=PHOTO_MAX_BYTES,
        max_pixels=PHOTO_MAX_PIXELS,
        jpeg_target_pixels=PHOTO_JPEG_TARGET_PIXELS,
    )


def _reduce_jpeg(
    image: Image.Image, data: bytes, *, target: int, max_pixels: int
) -> None:
    """Have libjpeg decode a JPEG over ``target`` pixels at 1/2, 1/4 or 1/8 scale, the
    least reduction that brings it under: it scales each 8x8 block as it decodes it
    (DCT scaling), so the full-size image is never held.

    Only a JPEG decoded in one pass may have more than ``max_pixels`` at full size. A
    progressive one, or one whose first scan leaves out a component, keeps every
    coefficient of the full-size image until its last scan, whatever the scale: 2
    bytes each, 108 MB for 36 MP in 4:2:0, 518 MB measured at 176 MP.
    """
    width, height = image.size
    if width * height <= target:
        return
    frame, one_pass = _jpeg_frame(data)
    if frame not in _DCT_FRAMES:
        return  # lossless (libjpeg cannot scale it), or headers _jpeg_frame gave up on
    if width * height > max_pixels and not one_pass:
        raise FrameRejected(Reason.TOO_MANY_PIXELS, f"{width}x{height}, several scans")
    for scale in (2, 4, 8):
        if -(-width // scale) * -(-height // scale) <= target:
            # Pillow picks the largest reduction that keeps at least this size: scale.
            image.draft("RGB", (width // scale, height // scale))
            return
    raise FrameRejected(Reason.TOO_MANY_PIXELS, f"{width}x{height}, even at 1/8")


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_ONE_PASS_FRAMES = frozenset({0xC0, 0xC1, 0xC9})  # sequential DCT
_DCT_FRAMES = _ONE_PASS_FRAMES | {0xC2, 0xCA}  # and progressive
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})  # no length follows


def _jpeg_frame(data: bytes) -> tuple[int, bool]:
    """A JPEG's frame marker (SOFn), and whether libjpeg decodes it in one pass:
    sequential, with every component in the first scan.

    Reads the segments up to the first scan as libjpeg does; anything that it would
    skip or refuse gives ``(0, False)``.
    """
    frame = components = 0
    at = 2  # after SOI
    while at + 4 < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte
            at += 1
        elif marker in _STANDALONE_MARKERS:
            at += 2
        elif marker == 0xDA:  # SOS: the number of components in the first scan
            return frame, frame in _ONE_PASS_FRAMES and data[at + 4] == components
        else:
            if marker in _SOF_MARKERS:
                if frame or at + 9 >= len(data):  # libjpeg refuses a second frame
                    return 0, False
                frame, components = marker, data[at + 9]
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return 0, False


_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _turned_upright(image: Image.Image) -> Image.Image:
    """Turn the image the way its EXIF orientation says.

    A corrupt EXIF block loses its orientation, not the photo: ImageOps.exif_transpose
    raises on an EXIF chunk that is not TIFF data.
    """
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except Exception:  # noqa: BLE001 - metadata from the sender may raise anything
        return image
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image if turn is None else image.transpose(turn)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I"):
        image = _grey_to_8_bit(image)
    if image.mode == "RGB" and "transparency" not in image.info:
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Transparent pixels become white rather than whatever colour they hide.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _grey_to_8_bit(image: Image.Image) -> Image.Image:
    """Reduce 16-bit grey (``I;16``) to ``L``, or ``LA`` if a level is transparent.

    Pillow's own conversion clips every level over 255 to white; keep the high byte
    instead, as Pillow does for 16-bit colour PNGs.
    """
    levels = np.asarray(image)
    grey = Image.fromarray((np.clip(levels, 0, 0xFFFF) >> 8).astype(np.uint8))
    transparency = image.info.get("transparency")
    if isinstance(transparency, int):
        alpha = np.where(levels == transparency, 0, 255).astype(np.uint8)
        grey.putalpha(Image.fromarray(alpha))
    return grey


def resize_to_width(image: np.ndarray, width: int) -> np.ndarray:
    """Return a copy scaled to ``width`` pixels wide, keeping the aspect ratio."""
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    resized = Image.fromarray(image).resize((width, height), Image.BILINEAR)
    return np.asarray(resized)


# --- detection ------------------------------------------------------------------


def detect_faces(
    image: np.ndarray, *, max_side: int = WEBCAM_DETECT_SIDE, upsample: int = 0
) -> list[Box]:
    """Find faces on a copy no larger than ``max_side`` and map the boxes back.

    HOG's cost grows with the pixel count, so a 640 px webcam frame is searched at
    320 px (a quarter of the work) where a face at arm's length is still ~100 px.
    """
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = image if scale == 1.0 else _scaled(image, scale)
    # face_recognition's own detector, called directly: its face_locations trims
    # each box to the image, and enrolment must see a face running off the edge
    # (FACE_CUT_OFF). docs/faces.md, "The library's calls".
    rects = _library().face_detector(small, upsample)
    return [
        (
            round(r.top() / scale),
            round(r.right() / scale),
            round(r.bottom() / scale),
            round(r.left() / scale),
        )
        for r in rects
    ]


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    factor = round(1 / scale)
    if (
        factor > 1
        and size == (width // factor, height // factor)
        and (width % factor == 0 and height % factor == 0)
    ):
        # A whole-number reduction (a 640x480 frame to 320x240): averaging blocks of
        # pixels is about 5x cheaper than a bilinear resize, and HOG finds the same
        # boxes on the fixture frames (bench/ measures it).
        return np.asarray(Image.fromarray(image).reduce(factor))
    return np.asarray(Image.fromarray(image).resize(size, Image.BILINEAR))


def find_faces_in_frame(image: np.ndarray) -> list[Box]:
    """Find faces in a webcam frame: quickly at 320 px, then at 640 px if none.

    The second pass catches a face far from the camera, and a second person whose
    face is too small to be seen at 320 px when the first pass saw nobody.
    """
    boxes = detect_faces(image, max_side=WEBCAM_DETECT_SIDE)
    if not boxes and max(image.shape[:2]) > WEBCAM_DETECT_SIDE:
        boxes = detect_faces(image, max_side=FULL_DETECT_SIDE)
    return boxes


def find_faces_in_photo(image: np.ndarray) -> list[Box]:
    """Find faces in a photo thoroughly, down to small faces, for enrolment."""
    boxes = detect_faces(image, max_side=PHOTO_DETECT_SIDE, upsample=1)
    if not boxes and max(image.shape[:2]) <= FULL_DETECT_SIDE:
        boxes = detect_faces(image, max_side=FULL_DETECT_SIDE, upsample=2)
    return boxes


def box_area(box: Box) -> int:
    top, right, bottom, left = box
    return max(0, bottom - top) * max(0, right - left)


def box_is_inside(box: Box, image: np.ndarray) -> bool:
    top, right, bottom, left = box
    height, width = image.shape[:2]
    return top >= 0 and left >= 0 and bottom <= height and right <= width


# --- encoding -------------------------------------------------------------------


def encode_face(image: np.ndarray, box: Box, *, jitters: int = 1) -> np.ndarray:
    """Return the 128-d encoding of the face in ``box``.

    Alignment uses the public-domain 5-point model. ``jitters`` > 1 averages that
    many randomly shifted, rotated and mirrored crops: worth it once at enrolment,
    too slow per frame at checkout.
    """
    (encoding,) = _library().face_encodings(
        image, [box], num_jitters=jitters, model="small"
    )
    return np.asarray(encoding, dtype=ENCODING_DTYPE)


def face_distance(templates: np.ndarray, encoding: np.ndarray) -> float:
    """Distance from an encoding to the centroid of one person's templates.

    The centroid of several enrolment encodings sits closer to that person's
    other photos than any single one does (see docs/faces.md for the numbers).
    """
    templates = np.atleast_2d(np.asarray(templates, dtype=np.float64))
    centroid = templates.mean(axis=0)
    return float(np.linalg.norm(centroid - np.asarray(encoding, dtype=np.float64)))


# --- landmarks and liveness measures ---------------------------------------------

_JAW = slice(0, 17)
_NOSE_TIP = 30
_LEFT_EYE = slice(36, 42)  # the subject's right eye, on the left of the image
_RIGHT_EYE = slice(42, 48)
_MOUTH_LEFT, _MOUTH_RIGHT = 48, 54
_INNER_LIP_TOP, _INNER_LIP_BOTTOM = 62, 66


def face_landmarks(image: np.ndarray, box: Box) -> Landmarks:
    """Return the 68 landmark points of the face in ``box`` (about 2 ms)."""
    (features,) = _library().face_landmarks(image, [box], model="large")
    return Landmarks(np.array(_in_dlib_order(features), dtype=np.float64))


def _in_dlib_order(features: dict) -> list:
    """The 68 points of face_recognition's named features, in dlib's numbering
    (the library lists the lips' points twice, and the inner lip backwards)."""
    top, bottom = features["top_lip"], features["bottom_lip"]
    return [
        *features["chin"],  # 0-16
        *features["left_eyebrow"],  # 17-21
        *features["right_eyebrow"],  # 22-26
        *features["nose_bridge"],  # 27-30
        *features["nose_tip"],  # 31-35
        *features["left_eye"],  # 36-41
        *features["right_eye"],  # 42-47
        *top[:7],  # 48-54: the outer lip, corner to corner over the top
        *bottom[1:6],  # 55-59: and back under the bottom
        top[11],  # 60
        *top[10:6:-1],  # 61-64: the inner lip's top
        *bottom[10:7:-1],  # 65-67: and its bottom
    ]


def _upright(landmarks: Landmarks) -> tuple[np.ndarray, float]:
    """Points rotated so the eyes are level, and the distance between the eyes."""
    left_eye = landmarks.centre(_LEFT_EYE)
    right_eye = landmarks.centre(_RIGHT_EYE)
    dx, dy = right_eye - left_eye
    eye_distance = math.hypot(dx, dy)
    angle = math.atan2(dy, dx)
    cos, sin = math.cos(-angle), math.sin(-angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    return (landmarks.points - left_eye) @ rotation.T, eye_distance


def mouth_width_ratio(landmarks: Landmarks) -> float:
    """Mouth width, corner to corner, over the distance between the eye centres."""
    points, eye_distance = _upright(landmarks)
    if eye_distance == 0:
        return 0.0
    return float(
        np.linalg.norm(points[_MOUTH_RIGHT] - points[_MOUTH_LEFT]) / eye_distance
    )


def mouth_corner_lift(landmarks: Landmarks) -> float:
    """How far the mouth corners sit above the top of the mouth opening, over eye
    distance: positive when the corners are raised (a smile).

    Measured against the inner upper lip, which does not move when the jaw drops,
    so talking with the mouth open does not read as a smile.
    """
    points, eye_distance = _upright(landmarks)
    if eye_distance == 0:
        return 0.0
    corners = (points[_MOUTH_LEFT, 1] + points[_MOUTH_RIGHT, 1]) / 2
    return float((points[_INNER_LIP_TOP, 1] - corners) / eye_distance)


def mouth_open_ratio(landmarks: Landmarks) -> float:
    """Gap between the inner lips over the mouth width: high while talking."""
    points, _ = _upright(landmarks)
    width = np.linalg.norm(points[_MOUTH_RIGHT] - points[_MOUTH_LEFT])
    if width == 0:
        return 0.0
    return float(abs(points[_INNER_LIP_BOTTOM, 1] - points[_INNER_LIP_TOP, 1]) / width)


def smile_measure(landmarks: Landmarks) -> float:
    """One number that rises with a smile: mouth width plus corner lift.

    Both are normalised by the eye distance, so the measure does not depend on how
    far the face is from the camera. It is meant to be compared with the same
    person's own neutral value on the same stream, not with a fixed number.
    """
    return mouth_width_ratio(landmarks) + mouth_corner_lift(landmarks)


def eye_aspect_ratio(landmarks: Landmarks) -> float:
    """Mean eye aspect ratio of both eyes (Soukupova and Cech): drops in a blink."""
    ratios = []
    for eye in (_LEFT_EYE, _RIGHT_EYE):
        p = landmarks.points[eye]
        vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
        horizontal = 2 * np.linalg.norm(p[0] - p[3])
        ratios.append(vertical / horizontal if horizontal else 0.0)
    return float(np.mean(ratios))


def head_yaw(landmarks: Landmarks) -> float:
    """Head turn from -1 (turned to the image's left) to 1 (right); 0 is frontal.

    Compares the nose tip's horizontal distance to each side of the jaw.
    """
    points, _ = _upright(landmarks)
    jaw = points[_JAW]
    nose_x = points[_NOSE_TIP, 0]
    to_left = nose_x - jaw[:, 0].min()
    to_right = jaw[:, 0].max() - nose_x
    total = to_left + to_right
    if total <= 0:
        return 0.0
    return float(np.clip((to_left - to_right) / total, -1.0, 1.0))


@dataclass(frozen=True)
class FaceMeasures:
    """What liveness reads off one face: each compared with the same face's own
    neutral value on the same stream, never with a fixed number."""

    smile: float  # smile_measure
    yaw: float  # head_yaw: rises when the nose moves toward the image's right edge
    mouth_open: float  # mouth_open_ratio


def face_measures(landmarks: Landmarks) -> FaceMeasures:
    """The liveness measures of one face's landmarks."""
    return FaceMeasures(
        smile=smile_measure(landmarks),
        yaw=head_yaw(landmarks),
        mouth_open=mouth_open_ratio(landmarks),
    )


@dataclass(frozen=True)
class FrameLook:
    """What one checkout frame shows: the faces found, and the liveness measures of
    the face when there is exactly one."""

    boxes: list[Box]
    measures: FaceMeasures | None

    @property
    def box(self) -> Box | None:
        return self.boxes[0] if len(self.boxes) == 1 else None


def look_at_frame(image: np.ndarray) -> FrameLook:
    """Find the faces in a checkout frame and measure the one face (about 12 ms at
    640 px: detection at 320 px, 68 landmarks)."""
    boxes = find_faces_in_frame(image)
    if len(boxes) != 1:
        return FrameLook(boxes=boxes, measures=None)
    return FrameLook(
        boxes=boxes, measures=face_measures(face_landmarks(image, boxes[0]))
    )


def sharpness(image: np.ndarray, box: Box) -> float:
    """Variance of the Laplacian of the face, resized to 128 px: low when blurred."""
    top, right, bottom, left = box
    height, width = image.shape[:2]
    crop = image[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
    if crop.size == 0:
        return 0.0
    grey = Image.fromarray(crop).convert("L").resize((128, 128), Image.BILINEAR)
    g = np.asarray(grey, dtype=np.float64)
    laplacian = (
        g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1]
    )
    return float(laplacian.var())


# --- enrolment ------------------------------------------------------------------


def enrolment_face(image: np.ndarray, boxes: list[Box]) -> Box:
    """Return the one usable face for enrolment, or raise FrameRejected saying why."""
    if not boxes:
        raise FrameRejected(Reason.NO_FACE)
    if len(boxes) > 1:
        raise FrameRejected(Reason.SEVERAL_FACES, f"{len(boxes)} faces")
    (box,) = boxes
    if not box_is_inside(box, image):
        raise FrameRejected(Reason.FACE_CUT_OFF)
    top, right, bottom, left = box
    face_width = right - left
    if face_width < MIN_FACE_PIXELS or face_width < MIN_FACE_SHARE * image.shape[1]:
        raise FrameRejected(Reason.FACE_TOO_SMALL, f"{face_width} px wide")
    if sharpness(image, box) < MIN_SHARPNESS:
        raise FrameRejected(Reason.BLURRY)
    return box
