"""The face engine on real photos: matching, enrolment outcomes, liveness measures,
and decoding that refuses bad input with a reason."""

import io
import itertools
import struct
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image, ImageFile, ImageFilter

from faceauth import engine, liveness
from faceauth.engine import FrameRejected, Reason

OBAMA_NEUTRAL = "people/obama/obama_neutral.jpg"
OBAMA_SMILING = "people/obama/obama_smiling_portrait.jpg"
OBAMA_SMILING_SMALL = "people/obama/obama_smiling_small.jpg"
OBAMA_SPEAKING = "people/obama/obama_speaking.jpg"
OBAMA_FULL_BODY = "people/obama/obama_full_body.jpg"
TWO_PEOPLE = "other/two_people_obama_biden.jpg"
NO_HUMAN_FACE = "other/no_human_face_dogs.jpg"
PARTIAL_FACE = "other/obama_partial_face.jpg"
OBAMA_RGBA = "other/obama_rgba_32bit.png"

PEOPLE = {
    "obama": [
        OBAMA_NEUTRAL,
        OBAMA_SMILING,
        OBAMA_SMILING_SMALL,
        OBAMA_SPEAKING,
        OBAMA_FULL_BODY,
    ],
    "biden": ["people/biden/biden_standing.jpg", "people/biden/biden_smiling.jpg"],
    "alex_lacamoire": [
        "people/alex_lacamoire/alex_portrait.png",
        "people/alex_lacamoire/alex_standing.jpg",
    ],
    "lin_manuel_miranda": ["people/lin_manuel_miranda/lin_speaking.png"],
}
PORTRAITS = [photo for photos in PEOPLE.values() for photo in photos]
SAME_PERSON_PAIRS = [
    pair for photos in PEOPLE.values() for pair in itertools.combinations(photos, 2)
]
DIFFERENT_PEOPLE_PAIRS = [
    (a, b)
    for (_, photos_a), (_, photos_b) in itertools.combinations(PEOPLE.items(), 2)
    for a in photos_a
    for b in photos_b
]

PHOTO_LIMITS = {  # as engine.decode_photo
    "max_bytes": engine.PHOTO_MAX_BYTES,
    "max_pixels": engine.PHOTO_MAX_PIXELS,
    "jpeg_target_pixels": engine.PHOTO_JPEG_TARGET_PIXELS,
}
ENROL_JITTERS = 10
MB = 1024 * 1024


def _stem(name: str) -> str:
    return Path(name).stem


def _pair_id(pair) -> str:
    return "-vs-".join(_stem(name) for name in pair)


def _encoded(image: Image.Image | np.ndarray, fmt: str, **options) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _rejection(data: bytes, **limits) -> Reason:
    """Decode `data`, expecting a refusal, and return its reason."""
    with pytest.raises(FrameRejected) as caught:
        engine.decode_image(data, **limits)
    return caught.value.reason


def _enrolment_rejection(image: np.ndarray, boxes) -> Reason:
    with pytest.raises(FrameRejected) as caught:
        engine.enrolment_face(image, list(boxes))
    return caught.value.reason


def _only_face(image: np.ndarray) -> engine.Box:
    boxes = engine.find_faces_in_photo(image)
    assert len(boxes) == 1, f"expected one face, found {boxes}"
    return boxes[0]


def _landmarks_of(image: np.ndarray) -> engine.Landmarks:
    return engine.face_landmarks(image, _only_face(image))


def _bilevel_png(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG: a few KB of bytes whatever its pixel count."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then 8 pixels a byte
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height))
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _flat_jpeg(width: int, height: int, *, frame: int = 0xC0, scans=((1,),)) -> bytes:
    """A valid mid-grey JPEG of any size, 420 KB at 108 MP: each 8x8 block is a "0" bit
    (no change of DC) and, unless the frame is progressive (DC scans only), another
    "0" (end of block). ``scans`` lists the components of each scan, from 1."""
    components = max(max(scan) for scan in scans)
    progressive = frame == 0xC2
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one Huffman code, "0", for symbol 0
    sof = struct.pack(">BHHB", 8, height, width, components)
    sof += b"".join(bytes([c, 0x11, 0]) for c in range(1, components + 1))
    data = b"\xff\xd8" + _segment(0xDB, bytes(1) + b"\x01" * 64) + _segment(frame, sof)
    data += _segment(0xC4, b"\x00" + one_code) + _segment(0xC4, b"\x10" + one_code)
    blocks = -(-width // 8) * -(-height // 8)
    for scan in scans:
        sos = bytes([len(scan)]) + b"".join(bytes([c, 0]) for c in scan)
        sos += b"\x00\x00\x00" if progressive else b"\x00\x3f\x00"
        bits = blocks * len(scan) * (1 if progressive else 2)
        data += _segment(0xDA, sos) + bytes(-(-bits // 8))
    return data + b"\xff\xd9"


@pytest.fixture
def landmarks(face_photo, face_boxes):
    """The landmarks of the one face in a fixture photo."""

    def of(name: str) -> engine.Landmarks:
        (box,) = face_boxes(name)
        return engine.face_landmarks(face_photo(name), box)

    return of


@pytest.fixture
def pixel_loads(monkeypatch):
    """The sizes of the images whose pixels Pillow decoded during the test."""
    loads = []
    original = ImageFile.ImageFile.load

    def load(image):
        loads.append(image.size)
        return original(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return loads


# Matching ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"), SAME_PERSON_PAIRS, ids=[_pair_id(pair) for pair in SAME_PERSON_PAIRS]
)
def test_photos_of_the_same_person_match_within_tolerance(face_encoding, a, b):
    distance = engine.face_distance(face_encoding(a), face_encoding(b))

    assert distance <= settings.FACEAUTH_TOLERANCE, f"{a} vs {b}: {distance:.3f}"


@pytest.mark.parametrize("probe", PEOPLE["obama"][1:], ids=_stem)
def test_enrolled_template_matches_other_photos_of_the_same_person(
    face_encoding, probe
):
    template = face_encoding(OBAMA_NEUTRAL, jitters=ENROL_JITTERS)

    distance = engine.face_distance(template, face_encoding(probe))

    assert distance <= settings.FACEAUTH_TOLERANCE, f"{probe}: {distance:.3f}"


@pytest.mark.parametrize(
    ("a", "b"),
    DIFFERENT_PEOPLE_PAIRS,
    ids=[_pair_id(pair) for pair in DIFFERENT_PEOPLE_PAIRS],
)
def test_photos_of_different_people_never_match(face_encoding, a, b):
    distance = engine.face_distance(face_encoding(a), face_encoding(b))

    assert distance > settings.FACEAUTH_TOLERANCE, f"{a} vs {b}: {distance:.3f}"


@pytest.mark.parametrize(
    "probe", [photo for photo in PORTRAITS if photo not in PEOPLE["obama"]], ids=_stem
)
def test_enrolled_template_does_not_match_other_people(face_encoding, probe):
    template = face_encoding(OBAMA_NEUTRAL, jitters=ENROL_JITTERS)

    distance = engine.face_distance(template, face_encoding(probe))

    assert distance > settings.FACEAUTH_TOLERANCE, f"{probe}: {distance:.3f}"


def test_face_distance_measures_from_the_centroid_of_the_templates():
    templates = np.zeros((2, engine.ENCODING_SIZE))
    templates[1, 0] = 2.0
    probe = np.zeros(engine.ENCODING_SIZE)
    probe[0] = 1.0

    assert engine.face_distance(templates, probe) == pytest.approx(0.0)
    assert engine.face_distance(templates[0], probe) == pytest.approx(1.0)


# Enrolment outcomes -------------------------------------------------------------


@pytest.mark.parametrize("name", PORTRAITS, ids=_stem)
def test_enrolment_accepts_the_one_sharp_face_of_each_portrait(
    face_photo, face_boxes, name
):
    (box,) = face_boxes(name)

    assert engine.enrolment_face(face_photo(name), list(face_boxes(name))) == box


@pytest.mark.parametrize(
    ("name", "faces_found", "reason"),
    [
        (TWO_PEOPLE, 2, Reason.SEVERAL_FACES),
        (NO_HUMAN_FACE, 0, Reason.NO_FACE),
        (PARTIAL_FACE, 1, Reason.FACE_CUT_OFF),
    ],
    ids=["two_faces", "no_face", "partial_face"],
)
def test_enrolment_refuses_photo_without_exactly_one_whole_face(
    face_photo, face_boxes, name, faces_found, reason
):
    boxes = face_boxes(name)

    assert len(boxes) == faces_found
    assert _enrolment_rejection(face_photo(name), boxes) == reason


def test_face_cut_by_the_left_edge_has_a_box_beyond_the_image(face_photo, face_boxes):
    ((top, right, bottom, left),) = face_boxes(PARTIAL_FACE)

    assert left < 0
    assert not engine.box_is_inside(
        (top, right, bottom, left), face_photo(PARTIAL_FACE)
    )


def test_enrolment_refuses_a_face_under_80_px_as_too_small(face_photo):
    image = engine.resize_to_width(face_photo(OBAMA_FULL_BODY), 300)
    box = _only_face(image)
    top, right, bottom, left = box

    assert right - left < engine.MIN_FACE_PIXELS
    assert _enrolment_rejection(image, [box]) == Reason.FACE_TOO_SMALL


def test_enrolment_refuses_a_face_far_away_in_a_wide_frame_as_too_small(face_photo):
    # A 100 px face alone in a 1000 px wide frame is under MIN_FACE_SHARE.
    portrait = face_photo(OBAMA_SMILING_SMALL)
    wide = np.full((portrait.shape[0], 1000, 3), 255, dtype=np.uint8)
    wide[:, 340 : 340 + portrait.shape[1]] = portrait
    box = _only_face(wide)
    top, right, bottom, left = box

    assert right - left >= engine.MIN_FACE_PIXELS
    assert _enrolment_rejection(wide, [box]) == Reason.FACE_TOO_SMALL


def test_enrolment_refuses_a_blurred_face_as_blurry(face_photo):
    blurred = Image.fromarray(face_photo(OBAMA_NEUTRAL)).filter(
        ImageFilter.GaussianBlur(radius=6)
    )
    image = np.asarray(blurred)

    assert _enrolment_rejection(image, [_only_face(image)]) == Reason.BLURRY


def test_rgba_png_photo_decodes_to_rgb_with_one_usable_face(
    faces, face_photo, face_boxes
):
    assert Image.open(faces / OBAMA_RGBA).mode == "RGBA"
    image = face_photo(OBAMA_RGBA)

    assert image.ndim == 3 and image.shape[2] == 3
    assert image.dtype == np.uint8
    assert engine.enrolment_face(image, list(face_boxes(OBAMA_RGBA)))


def test_webcam_frame_of_one_face_gives_one_usable_face(face_photo):
    frame = engine.resize_to_width(face_photo(OBAMA_NEUTRAL), 640)
    image = engine.decode_image(_encoded(frame, "JPEG", quality=80))

    boxes = engine.find_faces_in_frame(image)

    assert len(boxes) == 1
    assert engine.enrolment_face(image, boxes) == boxes[0]


def test_webcam_frame_detection_finds_two_small_faces_on_its_640_px_pass(face_photo):
    frame = engine.resize_to_width(face_photo(TWO_PEOPLE), 640)

    assert engine.detect_faces(frame, max_side=engine.WEBCAM_DETECT_SIDE) == []
    assert len(engine.find_faces_in_frame(frame)) == 2


def test_every_reason_has_a_message_for_the_user():
    for reason in Reason:
        assert FrameRejected(reason).message, reason


# Liveness measures --------------------------------------------------------------


def _smiled(baseline: float, measure: float) -> bool:
    """A smile as the live check counts one: a rise of SMILE_RISE over the neutral."""
    return measure >= baseline * (1 + liveness.SMILE_RISE)


@pytest.mark.parametrize("smiling", [OBAMA_SMILING, OBAMA_SMILING_SMALL], ids=_stem)
def test_smile_rises_past_the_minimum_from_the_neutral_baseline(landmarks, smiling):
    baseline = engine.smile_measure(landmarks(OBAMA_NEUTRAL))
    measure = engine.smile_measure(landmarks(smiling))

    assert _smiled(baseline, measure), f"{baseline:.3f} -> {measure:.3f}"


def test_speaking_with_the_mouth_open_is_not_a_smile(landmarks):
    baseline = engine.smile_measure(landmarks(OBAMA_NEUTRAL))
    measure = engine.smile_measure(landmarks(OBAMA_SPEAKING))

    assert not _smiled(baseline, measure), f"{baseline:.3f} -> {measure:.3f}"


def test_mouth_opens_wider_while_speaking_than_at_rest(landmarks):
    at_rest = engine.mouth_open_ratio(landmarks(OBAMA_NEUTRAL))
    speaking = engine.mouth_open_ratio(landmarks(OBAMA_SPEAKING))

    assert speaking > 2 * at_rest, f"{at_rest:.3f} -> {speaking:.3f}"


def test_the_same_photo_measured_twice_is_not_a_smile(face_photo, face_boxes):
    image = face_photo(OBAMA_NEUTRAL)
    (box,) = face_boxes(OBAMA_NEUTRAL)

    first = engine.smile_measure(engine.face_landmarks(image, box))
    second = engine.smile_measure(engine.face_landmarks(image.copy(), box))

    assert second == first
    assert not _smiled(first, second)


@pytest.mark.parametrize("name", [OBAMA_NEUTRAL, OBAMA_SMILING], ids=_stem)
@pytest.mark.parametrize(
    ("quality", "shift"),
    [(70, (0, 0)), (60, (6, 9))],
    ids=["jpeg70", "jpeg60-shifted"],
)
def test_the_same_photo_reencoded_or_shifted_is_not_a_smile(
    face_photo, landmarks, name, quality, shift
):
    down, right = shift
    copy = engine.decode_image(
        _encoded(face_photo(name)[down:, right:], "JPEG", quality=quality),
        **PHOTO_LIMITS,
    )
    baseline = engine.smile_measure(landmarks(name))

    measure = engine.smile_measure(_landmarks_of(copy))

    assert not _smiled(baseline, measure)
    # Well inside the 20 % rise a smile needs.
    assert measure == pytest.approx(baseline, rel=0.06)


@pytest.mark.parametrize("name", PORTRAITS, ids=_stem)
def test_eye_aspect_ratio_and_head_yaw_stay_in_range_for_open_eyes(landmarks, name):
    points = landmarks(name)

    assert 0.1 <= engine.eye_aspect_ratio(points) <= 0.5
    assert -1.0 <= engine.head_yaw(points) <= 1.0


@pytest.mark.parametrize("name", [OBAMA_NEUTRAL, OBAMA_SPEAKING], ids=_stem)
def test_head_yaw_changes_sign_in_a_mirrored_photo(face_photo, landmarks, name):
    yaw = engine.head_yaw(landmarks(name))
    mirrored = np.ascontiguousarray(face_photo(name)[:, ::-1])

    mirrored_yaw = engine.head_yaw(_landmarks_of(mirrored))

    assert abs(yaw) > 0.2, "the photo must show a turned head"
    assert mirrored_yaw == pytest.approx(-yaw, abs=0.05)


# Decoding -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(engine.ALLOWED_FORMATS))
def test_decode_reads_allowed_formats_as_rgb(fmt):
    data = _encoded(Image.new("RGB", (32, 24), (200, 100, 50)), fmt)

    image = engine.decode_image(data)

    assert image.shape == (24, 32, 3)
    assert image.dtype == np.uint8
    assert np.abs(image.astype(int) - (200, 100, 50)).max() <= 8


def _rgba_image() -> Image.Image:
    image = Image.new("RGBA", (3, 1))
    image.putdata([(255, 0, 0, 0), (0, 0, 255, 255), (0, 0, 0, 128)])
    return image


def _palette_image() -> Image.Image:
    image = Image.new("P", (3, 1))
    image.putpalette([255, 0, 0, 0, 0, 255, 127, 127, 127])
    image.putdata([0, 1, 2])
    return image


def _rgb_image() -> Image.Image:
    image = Image.new("RGB", (3, 1))
    image.putdata([(255, 0, 0), (0, 0, 255), (127, 127, 127)])
    return image


@pytest.mark.parametrize(
    ("image", "options"),
    [
        pytest.param(_rgba_image(), {}, id="rgba"),
        pytest.param(_palette_image(), {"transparency": 0}, id="palette"),
        pytest.param(_rgb_image(), {"transparency": (255, 0, 0)}, id="rgb-colour-key"),
    ],
)
def test_decode_turns_transparent_pixels_white(image, options):
    decoded = engine.decode_image(_encoded(image, "PNG", **options))

    assert decoded.dtype == np.uint8
    assert decoded.tolist() == [[[255, 255, 255], [0, 0, 255], [127, 127, 127]]]


def test_decode_turns_exif_rotated_photo_upright():
    # 40x20, red on the left: orientation 6 means "rotate 90 degrees clockwise".
    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6

    decoded = engine.decode_image(_encoded(image, "JPEG", exif=exif.tobytes()))

    assert decoded.shape == (40, 20, 3)
    assert decoded[5, 10].argmax() == 0  # red on top
    assert decoded[35, 10].argmax() == 2  # blue below


def test_decode_refuses_empty_bytes():
    assert _rejection(b"") == Reason.EMPTY


def test_decode_refuses_random_bytes_with_unsupported_format():
    noise = np.random.default_rng(0).bytes(4096)

    assert _rejection(noise, **PHOTO_LIMITS) == Reason.UNSUPPORTED_FORMAT


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "BMP"])
def test_decode_refuses_other_image_formats_as_unsupported(fmt):
    data = _encoded(Image.new("RGB", (32, 24), (200, 100, 50)), fmt)

    assert _rejection(data, **PHOTO_LIMITS) == Reason.UNSUPPORTED_FORMAT


def test_decode_refuses_a_truncated_jpeg_as_unreadable(faces):
    data = (faces / OBAMA_NEUTRAL).read_bytes()

    assert _rejection(data[: len(data) // 2], **PHOTO_LIMITS) == Reason.UNREADABLE


def test_a_truncated_jpeg_stays_refused_once_face_recognition_is_loaded(faces):
    """Importing face_recognition sets Pillow's LOAD_TRUNCATED_IMAGES for the whole
    process; the engine puts it back, or every picture check in the process (the
    shop's uploads too) would take half a JPEG."""
    engine.warm_up()

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    data = (faces / OBAMA_NEUTRAL).read_bytes()
    assert _rejection(data[: len(data) // 2], **PHOTO_LIMITS) == Reason.UNREADABLE


def test_decode_refuses_oversized_bytes_before_looking_at_them():
    # Garbage would be UNSUPPORTED_FORMAT: the size is checked first.
    data = b"\x00" * (engine.FRAME_MAX_BYTES + 1)

    assert _rejection(data) == Reason.TOO_LARGE


def test_decode_refuses_a_phone_photo_as_a_webcam_frame_but_reads_it_as_a_photo(
    faces,
):
    data = (faces / OBAMA_SMILING).read_bytes()
    assert engine.FRAME_MAX_BYTES < len(data) <= engine.PHOTO_MAX_BYTES

    assert _rejection(data) == Reason.TOO_LARGE
    assert engine.decode_image(data, **PHOTO_LIMITS).shape == (1137, 910, 3)


def test_decode_reads_a_bilevel_png_within_the_pixel_cap(pixel_loads):
    image = engine.decode_image(_bilevel_png(64, 48))

    assert image.shape == (48, 64, 3)
    assert image.max() == 0
    assert set(pixel_loads) == {(64, 48)}


@pytest.mark.parametrize(
    ("width", "height", "limits"),
    [
        # Over Pillow's own decompression-bomb limit.
        pytest.param(20_000, 20_000, PHOTO_LIMITS, id="20000x20000-photo"),
        # Under Pillow's limit: only the engine's cap stands in the way.
        pytest.param(6_000, 6_000, PHOTO_LIMITS, id="6000x6000-photo"),
        pytest.param(1921, 1080, {}, id="1921x1080-frame"),
    ],
)
def test_decode_refuses_too_many_pixels_without_decoding_them(
    pixel_loads, width, height, limits
):
    data = _bilevel_png(width, height)
    assert len(data) < 100_000

    tracemalloc.start()
    try:
        reason = _rejection(data, **limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert reason == Reason.TOO_MANY_PIXELS
    assert pixel_loads == []
    # Decoded to RGB, 20000x20000 would take 1.2 GB and 6000x6000 108 MB.
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"


# Large photos -------------------------------------------------------------------


def test_decode_photo_reads_a_36_mp_jpeg_at_a_quarter_without_holding_it_whole(
    large_face_jpeg, pixel_loads
):
    data = large_face_jpeg.read_bytes()

    tracemalloc.start()
    try:
        image = engine.decode_photo(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert image.shape == (1125, 2000, 3)  # 8000x4497 at 1/4
    # libjpeg scaled the blocks as it decoded them: Pillow never allocated 8000x4497.
    assert set(pixel_loads) == {(2000, 1125)}
    # The whole image as RGB bytes would take 108 MB.
    assert peak < 20 * MB, f"peak {peak / MB:.1f} MB"


@pytest.mark.parametrize(
    ("width", "height", "decoded"),
    [
        pytest.param(2800, 2800, (2800, 2800), id="7.8MP-whole"),
        pytest.param(4032, 3024, (2016, 1512), id="12MP-at-half"),
        pytest.param(8000, 6000, (2000, 1500), id="48MP-at-quarter"),
        # Over Pillow's decompression-bomb warning (89 MP).
        pytest.param(12000, 9000, (3000, 2250), id="108MP-at-quarter"),
        pytest.param(16000, 11000, (2000, 1375), id="176MP-at-eighth"),
    ],
)
def test_decode_photo_reads_a_jpeg_at_the_least_reduction_under_the_target(
    pixel_loads, width, height, decoded
):
    image = engine.decode_photo(_flat_jpeg(width, height))

    assert image.shape == (decoded[1], decoded[0], 3)
    assert decoded[0] * decoded[1] <= engine.PHOTO_JPEG_TARGET_PIXELS
    assert set(pixel_loads) == {decoded}
    assert (image == 128).all()


def test_decode_photo_refuses_a_jpeg_too_large_even_at_an_eighth():
    # 39 MP at 1/8; Pillow's own limit (179 MP) refuses it before any pixel.
    data = _flat_jpeg(50_000, 50_000)
    assert len(data) <= engine.PHOTO_MAX_BYTES

    assert _rejection(data, **PHOTO_LIMITS) == Reason.TOO_MANY_PIXELS


@pytest.mark.parametrize(
    ("frame", "scans"),
    [
        pytest.param(0xC2, ((1, 2, 3),), id="progressive"),
        pytest.param(0xC0, ((1,), (2,), (3,)), id="one-component-a-scan"),
    ],
)
def test_decode_photo_keeps_the_pixel_cap_for_a_jpeg_in_several_scans(
    pixel_loads, frame, scans
):
    # libjpeg keeps all the coefficients of such a JPEG whatever the scale: 216 MB
    # for these 36 MP, 600 MB for 100 MP.
    data = _flat_jpeg(6000, 6000, frame=frame, scans=scans)
    assert _rejection(data, **PHOTO_LIMITS) == Reason.TOO_MANY_PIXELS
    assert pixel_loads == []

    # Under the cap, it is still decoded at reduced scale.
    image = engine.decode_photo(_flat_jpeg(4000, 4000, frame=frame, scans=scans))
    assert image.shape == (2000, 2000, 3)


def test_decode_photo_still_refuses_a_36_mp_png_as_too_many_pixels(pixel_loads):
    data = _bilevel_png(7000, 5200)

    assert _rejection(data, **PHOTO_LIMITS) == Reason.TOO_MANY_PIXELS
    assert pixel_loads == []


def test_decode_refuses_a_large_jpeg_as_a_webcam_frame():
    data = _flat_jpeg(1921, 1080, scans=((1, 2, 3),))
    assert len(data) <= engine.FRAME_MAX_BYTES

    assert _rejection(data) == Reason.TOO_MANY_PIXELS


def test_decode_photo_turns_a_large_exif_rotated_jpeg_upright(pixel_loads):
    # 8000x4500, red on the left: orientation 6 means "rotate 90 degrees clockwise".
    image = Image.new("RGB", (8000, 4500), (255, 0, 0))
    image.paste((0, 0, 255), (4000, 0, 8000, 4500))
    exif = Image.Exif()
    exif[0x0112] = 6

    decoded = engine.decode_photo(_encoded(image, "JPEG", exif=exif.tobytes()))

    assert set(pixel_loads) == {(2000, 1125)}  # decoded at 1/4, then turned
    assert decoded.shape == (2000, 1125, 3)
    assert decoded[100, 560].argmax() == 0  # red on top
    assert decoded[1900, 560].argmax() == 2  # blue below
