"""The operator's face commands: enrol, evaluate on labelled pairs, purge, rotate."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from faceauth.models import FaceConsent, FaceTemplate
from faceauth.selectors import templates_of
from faceauth.services import face_match

from .factories import (
    BIDEN,
    DOGS,
    FACES,
    OBAMA,
    OBAMA_PORTRAIT,
    ciphertexts_of,
    face_enrol,
    face_path,
    probe_encoding,
)

pytestmark = pytest.mark.django_db

SUMMARY_KEYS = {
    "pairs",
    "same_pairs",
    "diff_pairs",
    "tolerance",
    "far",
    "frr",
    "no_face",
    "unreadable",
    "pairs_unscored",
    "max_same_distance",
    "min_diff_distance",
    "table",
}


def _run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _summary(output: str) -> dict:
    last = output.strip().splitlines()[-1]
    return json.loads(last)


def _pairs_csv(tmp_path, rows, header="image_a,image_b,same"):
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


# --- enroll_face ---------------------------------------------------------------------


def test_enroll_face_enrols_the_user_and_keeps_no_image(shopper):
    output = _run(
        "enroll_face", "--username", "ada", str(face_path(OBAMA)), str(face_path(BIDEN))
    )
    assert "Enrolled ada: 2 face templates stored" in output
    assert "the images were not kept" in output
    templates = FaceTemplate.objects.filter(user=shopper)
    assert templates.count() == 2
    assert set(templates.values_list("source", flat=True)) == {"command"}
    assert FaceConsent.objects.get(user=shopper).is_active


def test_enroll_face_template_matches_the_person(shopper):
    _run("enroll_face", "--username", "ada", str(face_path(OBAMA)))
    assert face_match(user=shopper, encoding=probe_encoding(OBAMA_PORTRAIT)).matched
    assert not face_match(user=shopper, encoding=probe_encoding(BIDEN)).matched


def test_enroll_face_for_an_unknown_user_fails_clearly(shopper):
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        _run("enroll_face", "--username", "nobody", str(face_path(OBAMA)))
    assert not FaceTemplate.objects.exists()
    assert not FaceConsent.objects.exists()


def test_enroll_face_with_an_unreadable_path_fails_clearly(shopper, tmp_path):
    missing = tmp_path / "missing.jpg"
    with pytest.raises(CommandError, match=f"Cannot read {missing}"):
        _run("enroll_face", "--username", "ada", str(face_path(OBAMA)), str(missing))
    assert not FaceTemplate.objects.exists()
    with pytest.raises(CommandError, match="Cannot read"):
        _run("enroll_face", "--username", "ada", str(tmp_path))
    assert not FaceTemplate.objects.exists()


def test_enroll_face_with_an_image_without_a_face_fails_clearly(shopper):
    with pytest.raises(CommandError, match="Picture 1: No face was found"):
        _run("enroll_face", "--username", "ada", str(face_path(DOGS)))
    assert not FaceTemplate.objects.exists()


def test_enroll_face_that_fails_keeps_the_earlier_enrolment(shopper):
    face_enrol(shopper, OBAMA)
    before = ciphertexts_of(shopper)
    with pytest.raises(CommandError, match="Picture 2: No face was found"):
        _run(
            "enroll_face",
            "--username",
            "ada",
            str(face_path(OBAMA_PORTRAIT)),
            str(face_path(DOGS)),
        )
    assert ciphertexts_of(shopper) == before


def test_enroll_face_with_more_than_five_images_fails_clearly(shopper):
    with pytest.raises(CommandError, match="at most 5 images"):
        _run("enroll_face", "--username", "ada", *[str(face_path(OBAMA))] * 6)
    assert not FaceTemplate.objects.exists()
    assert not FaceConsent.objects.exists()


def test_enroll_face_without_keys_fails_clearly(shopper, settings):
    settings.FACEAUTH_KEYS = []
    with pytest.raises(CommandError, match="no face template key"):
        _run("enroll_face", "--username", "ada", str(face_path(OBAMA)))
    assert not FaceTemplate.objects.exists()


# --- face_eval -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def people_eval():
    """face_eval on the 45 labelled pairs of fixture people (run once: ~10 s)."""
    return _run(
        "face_eval",
        "--pairs",
        str(FACES / "people" / "pairs.csv"),
        "--json",
        "--distances",
    )


def test_face_eval_ends_with_one_json_line_summarising_the_pairs(people_eval):
    summary = _summary(people_eval)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["pairs"] == 45
    assert summary["same_pairs"] == 12
    assert summary["diff_pairs"] == 33
    assert summary["tolerance"] == settings.FACEAUTH_TOLERANCE
    assert summary["no_face"] == 0
    assert summary["unreadable"] == 0


def test_face_eval_on_fixture_people_has_no_false_accept_or_reject(people_eval):
    summary = _summary(people_eval)
    assert summary["far"] == 0
    assert summary["frr"] == 0
    assert summary["max_same_distance"] <= settings.FACEAUTH_TOLERANCE
    assert summary["min_diff_distance"] > settings.FACEAUTH_TOLERANCE


def test_face_eval_distances_prints_one_line_per_pair(people_eval):
    lines = people_eval.splitlines()
    header = lines.index("distance,same,image_a,image_b")
    rows = lines[header + 1 : header + 46]
    assert len(rows) == 45
    for row in rows:
        distance, same, image_a, image_b = row.split(",")
        assert 0 <= float(distance) < 2
        assert same in {"0", "1"}
        assert image_a.startswith(str(FACES)) and image_b.startswith(str(FACES))
    assert sum(row.split(",")[1] == "1" for row in rows) == 12
    assert lines[header + 46] == "pairs 45 (12 same, 33 different)"


def test_face_eval_without_distances_prints_no_pair_lines(tmp_path):
    path = _pairs_csv(tmp_path, [f"{face_path(OBAMA)},{face_path(OBAMA_PORTRAIT)},1"])
    output = _run("face_eval", "--pairs", str(path))
    assert "distance,same" not in output
    assert "pairs 1 (1 same, 0 different)" in output
    assert not output.strip().splitlines()[-1].startswith("{")


def test_face_eval_counts_an_image_without_a_face_as_a_rejection(tmp_path):
    path = _pairs_csv(
        tmp_path,
        [
            f"{face_path(OBAMA)},{face_path(OBAMA_PORTRAIT)},1",
            f"{face_path(OBAMA)},{face_path(DOGS)},1",
            f"{face_path(DOGS)},{face_path(BIDEN)},0",
        ],
    )
    output = _run("face_eval", "--pairs", str(path), "--json", "--distances")
    summary = _summary(output)
    assert summary["pairs"] == 3
    assert summary["no_face"] == 1
    assert summary["pairs_unscored"] == 2
    assert summary["frr"] == 0.5  # the dogs count as a false reject
    assert summary["far"] == 0.0  # ... and never as a false accept
    assert f"no face: {face_path(DOGS)}" in output
    assert f",1,{face_path(OBAMA)},{face_path(DOGS)}" in output


def test_face_eval_judges_at_the_tolerance_asked_for(tmp_path):
    path = _pairs_csv(tmp_path, [f"{face_path(OBAMA)},{face_path(OBAMA_PORTRAIT)},1"])
    summary = _summary(
        _run("face_eval", "--pairs", str(path), "--json", "--tolerance", "0.01")
    )
    assert summary["tolerance"] == 0.01
    assert summary["frr"] == 1.0


def test_face_eval_scores_a_36_mp_phone_photo(tmp_path, large_face_jpeg):
    large = str(large_face_jpeg)
    path = _pairs_csv(
        tmp_path,
        [
            f"{large},{face_path(OBAMA_PORTRAIT)},1",
            f"{face_path(OBAMA_PORTRAIT)},{large},1",
            f"{large},{face_path(BIDEN)},0",
        ],
    )
    summary = _summary(_run("face_eval", "--pairs", str(path), "--json"))
    assert summary["pairs_unscored"] == 0
    assert summary["unreadable"] == 0
    assert summary["frr"] == 0.0
    assert summary["far"] == 0.0


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (
            "left,right,same",
            ["a.jpg,b.jpg,1"],
            "needs the columns image_a,image_b,same",
        ),
        ("image_a,image_b", ["a.jpg,b.jpg"], "needs the columns"),
        ("image_a,image_b,same", ["a.jpg,b.jpg,maybe"], "'same' must be 1 or 0"),
        ("image_a,image_b,same", ["a.jpg,,1"], "an image path is empty"),
        ("image_a,image_b,same", [], "has no pairs"),
    ],
    ids=["wrong-columns", "missing-column", "bad-label", "empty-path", "no-rows"],
)
def test_face_eval_refuses_a_bad_pairs_file(tmp_path, header, rows, message):
    path = _pairs_csv(tmp_path, rows, header=header)
    with pytest.raises(CommandError, match=message):
        _run("face_eval", "--pairs", str(path))


def test_face_eval_refuses_a_missing_pairs_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        _run("face_eval", "--pairs", str(tmp_path / "nowhere.csv"))


def test_face_eval_on_the_calibration_set_meets_the_documented_rates():
    """The full calibration run (1485 pairs of five Johns; about 50 s)."""
    output = _run(
        "face_eval", "--pairs", str(FACES / "calibration" / "pairs.csv"), "--json"
    )
    summary = _summary(output)
    assert summary["pairs"] == 1485
    assert summary["same_pairs"] == 275
    assert summary["diff_pairs"] == 1210
    assert summary["no_face"] == 0
    assert summary["unreadable"] == 0
    assert summary["tolerance"] == settings.FACEAUTH_TOLERANCE
    assert summary["far"] == 0.0
    assert summary["frr"] <= 0.015


# --- purge_biometrics and rotate_face_keys -------------------------------------------


def test_purge_biometrics_deletes_stale_templates_and_prints_the_count(
    shopper, other_shopper, settings
):
    settings.FACEAUTH_RETENTION_DAYS = 10
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    face_enrol(other_shopper, BIDEN)
    FaceTemplate.objects.filter(user=shopper).update(
        created_at=timezone.now() - timedelta(days=11)
    )

    output = _run("purge_biometrics")

    assert output.strip() == "Deleted 2 face templates unused for 10 days."
    assert not FaceTemplate.objects.filter(user=shopper).exists()
    assert FaceTemplate.objects.filter(user=other_shopper).count() == 1
    assert FaceConsent.objects.get(user=shopper).biometrics_deleted_at is not None
    assert _run("purge_biometrics").startswith("Deleted 0 face templates")


def test_rotate_face_keys_prints_the_count_and_keeps_templates_readable(
    shopper, settings
):
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    clear = templates_of(shopper)
    new_key = Fernet.generate_key().decode()
    settings.FACEAUTH_KEYS = [new_key, *settings.FACEAUTH_KEYS]

    output = _run("rotate_face_keys")

    assert "Re-encrypted 2 face templates under the newest key." in output
    settings.FACEAUTH_KEYS = [new_key]
    assert (templates_of(shopper) == clear).all()


def test_rotate_face_keys_with_nothing_stored_prints_zero(db):
    assert "Re-encrypted 0 face templates" in _run("rotate_face_keys")
