"""Templates at rest: never in the clear, keys rotate, a wrong or missing key fails
closed, and the system check says so at start-up."""

import base64
from io import StringIO

import numpy as np
import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection

from faceauth import crypto
from faceauth.exceptions import FaceKeysMissing, TemplateUnreadable
from faceauth.models import FaceTemplate
from faceauth.selectors import templates_of
from faceauth.services import face_match, templates_reencrypt

from .factories import (
    BIDEN,
    OBAMA,
    OBAMA_PORTRAIT,
    ciphertexts_of,
    face_enrol,
    probe_encoding,
)

pytestmark = pytest.mark.django_db

NEW_KEY = Fernet.generate_key().decode("ascii")
UNRELATED_KEY = Fernet.generate_key().decode("ascii")


@pytest.fixture
def old_key(settings):
    (key,) = settings.FACEAUTH_KEYS
    return key


@pytest.fixture
def enrolled(shopper):
    face_enrol(shopper, OBAMA)
    return shopper


def _clear_forms(encoding: np.ndarray) -> list[bytes]:
    """Byte strings that would give the encoding away if they were stored."""
    f8 = np.asarray(encoding, dtype="<f8").tobytes()
    f4 = np.asarray(encoding, dtype="<f4").tobytes()
    needles = [f8[i : i + 8] for i in range(0, len(f8), 8)]
    needles += [f4[i : i + 4] for i in range(0, len(f4), 4)]
    needles += [f8, f4, f8.hex().encode()[:32]]
    needles += [base64.b64encode(f8)[:40], base64.urlsafe_b64encode(f8)[:40]]
    for value in encoding[:8]:
        needles += [repr(float(value)).encode(), f"{value:.6f}".encode()]
    return needles


def _found(haystack: bytes, encoding: np.ndarray) -> list[bytes]:
    return [needle for needle in _clear_forms(encoding) if needle in haystack]


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def _raw_rows() -> list[bytes]:
    """Every stored template row, all its columns, as the database returns them."""
    table = connection.ops.quote_name(FaceTemplate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return [b"|".join(_as_bytes(value) for value in row) for row in cursor]


# --- nothing in the clear -------------------------------------------------------------


def test_clear_value_scan_finds_an_encoding_written_in_any_usual_form():
    encoding = probe_encoding(OBAMA)
    assert _found(b"x" + encoding.tobytes() + b"y", encoding)
    assert _found(encoding.astype("<f4").tobytes(), encoding)
    assert _found(repr(encoding.tolist()).encode(), encoding)
    assert _found(base64.b64encode(encoding.tobytes()), encoding)


def test_stored_ciphertext_holds_no_value_of_the_encoding(enrolled):
    (token,) = FaceTemplate.objects.values_list("ciphertext", flat=True)
    token = bytes(token)
    encoding = crypto.decrypt_encoding(token)
    assert encoding.shape == (128,)
    # The decrypted template is really this face, so the scan looks for the right thing.
    assert face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT)).matched
    assert _found(token, encoding) == []


def test_raw_table_rows_hold_no_value_of_any_stored_encoding(enrolled, other_shopper):
    face_enrol(other_shopper, BIDEN, OBAMA_PORTRAIT)
    encodings = [
        crypto.decrypt_encoding(token)
        for token in FaceTemplate.objects.values_list("ciphertext", flat=True)
    ]
    rows = _raw_rows()
    assert len(rows) == len(encodings) == 3
    for row in rows:
        for encoding in encodings:
            assert _found(row, encoding) == []


def test_stored_ciphertext_is_a_fernet_token_under_the_configured_key(
    enrolled, old_key
):
    (token,) = ciphertexts_of(enrolled).values()
    clear = Fernet(old_key).decrypt(token)
    assert len(clear) == 128 * 8
    np.testing.assert_array_equal(
        np.frombuffer(clear, dtype="<f8"), templates_of(enrolled)[0]
    )


def test_two_enrolments_of_the_same_photo_store_different_ciphertexts(
    shopper, other_shopper
):
    face_enrol(shopper, OBAMA)
    face_enrol(other_shopper, OBAMA)
    (mine,) = ciphertexts_of(shopper).values()
    (theirs,) = ciphertexts_of(other_shopper).values()
    assert mine != theirs
    np.testing.assert_array_equal(templates_of(shopper), templates_of(other_shopper))


@pytest.mark.parametrize(
    "vector",
    [
        np.zeros(127),
        np.zeros(129),
        np.zeros((2, 128)),
        np.zeros((128, 1)),
        np.float64(0.5),
        np.array([np.nan] + [0.0] * 127),
        np.array([np.inf] + [0.0] * 127),
        np.array([0.0] * 127 + [-np.inf]),
    ],
    ids=["127", "129", "2x128", "128x1", "scalar", "nan", "inf", "-inf"],
)
def test_encrypting_anything_but_128_finite_numbers_raises_value_error(vector):
    with pytest.raises(ValueError, match="128 finite numbers"):
        crypto.encrypt_encoding(vector)


def test_encrypt_then_decrypt_returns_the_same_encoding():
    encoding = probe_encoding(BIDEN)
    token = crypto.encrypt_encoding(encoding)
    np.testing.assert_array_equal(crypto.decrypt_encoding(token), encoding)


# --- key rotation ---------------------------------------------------------------------


def test_only_the_new_key_cannot_read_templates_before_rotation(enrolled, settings):
    settings.FACEAUTH_KEYS = [NEW_KEY]
    with pytest.raises(TemplateUnreadable):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))


def test_rotate_face_keys_command_moves_templates_to_the_new_key(
    enrolled, other_shopper, settings, old_key
):
    face_enrol(other_shopper, BIDEN)
    before = ciphertexts_of(enrolled) | ciphertexts_of(other_shopper)
    clear_before = templates_of(enrolled)

    settings.FACEAUTH_KEYS = [NEW_KEY, old_key]
    out = StringIO()
    call_command("rotate_face_keys", stdout=out)
    assert "Re-encrypted 2 face templates" in out.getvalue()

    after = ciphertexts_of(enrolled) | ciphertexts_of(other_shopper)
    assert after.keys() == before.keys()
    assert all(after[pk] != before[pk] for pk in before)

    settings.FACEAUTH_KEYS = [NEW_KEY]
    np.testing.assert_array_equal(templates_of(enrolled), clear_before)
    assert face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT)).matched
    assert not face_match(user=enrolled, encoding=probe_encoding(BIDEN)).matched
    assert face_match(user=other_shopper, encoding=probe_encoding(BIDEN)).matched

    # The old key alone no longer reads anything: it can be thrown away.
    settings.FACEAUTH_KEYS = [old_key]
    with pytest.raises(TemplateUnreadable):
        templates_of(enrolled)


def test_templates_reencrypt_service_rotates_every_template_in_batches(
    enrolled, other_shopper, settings, old_key
):
    face_enrol(other_shopper, BIDEN, OBAMA_PORTRAIT)
    clear_before = templates_of(other_shopper)
    settings.FACEAUTH_KEYS = [NEW_KEY, old_key]

    assert templates_reencrypt(batch_size=2) == 3

    settings.FACEAUTH_KEYS = [NEW_KEY]
    np.testing.assert_array_equal(templates_of(other_shopper), clear_before)
    assert face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT)).matched


def test_rotate_face_keys_command_fails_when_a_template_matches_no_key(
    enrolled, settings
):
    settings.FACEAUTH_KEYS = [NEW_KEY, UNRELATED_KEY]
    before = ciphertexts_of(enrolled)
    with pytest.raises(CommandError, match="matches no key"):
        call_command("rotate_face_keys", stdout=StringIO())
    assert ciphertexts_of(enrolled) == before


def test_rotate_face_keys_command_without_keys_says_so(enrolled, settings):
    settings.FACEAUTH_KEYS = []
    with pytest.raises(CommandError, match="no face template key"):
        call_command("rotate_face_keys", stdout=StringIO())


# --- failing closed -------------------------------------------------------------------


def test_face_match_with_a_wrong_key_raises_and_never_matches(enrolled, settings):
    settings.FACEAUTH_KEYS = [UNRELATED_KEY]
    with pytest.raises(TemplateUnreadable):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))
    assert not FaceTemplate.objects.filter(last_used_at__isnull=False).exists()


@pytest.mark.parametrize("keys", [[], [""], ["   "]], ids=["none", "empty", "blank"])
def test_face_match_without_keys_raises_face_keys_missing(enrolled, settings, keys):
    settings.FACEAUTH_KEYS = keys
    with pytest.raises(FaceKeysMissing):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))


@pytest.mark.parametrize(
    "bad_key",
    ["not-a-fernet-key", "é" * 44, base64.urlsafe_b64encode(b"short").decode()],
    ids=["garbage", "not-ascii", "too-short"],
)
def test_face_match_with_an_invalid_key_raises_face_keys_missing(
    enrolled, settings, old_key, bad_key
):
    settings.FACEAUTH_KEYS = [bad_key]
    with pytest.raises(FaceKeysMissing, match="not a valid Fernet key"):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))
    # One bad entry beside a good key still stops everything, rather than half-work.
    settings.FACEAUTH_KEYS = [old_key, bad_key]
    with pytest.raises(FaceKeysMissing):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))


@pytest.mark.parametrize("size", [0, 100, 127 * 8, 129 * 8])
def test_a_damaged_template_is_unreadable_not_a_match(enrolled, size):
    FaceTemplate.objects.filter(user=enrolled).update(
        ciphertext=crypto.keyring().encrypt(b"\x00" * size)
    )
    with pytest.raises(TemplateUnreadable, match="damaged"):
        face_match(user=enrolled, encoding=probe_encoding(OBAMA_PORTRAIT))


# --- the system check -----------------------------------------------------------------


def _face_issues():
    return sorted(m.id for m in run_checks() if m.id and m.id.startswith("faceauth."))


def test_system_check_is_quiet_with_a_valid_key():
    assert _face_issues() == []


@pytest.mark.parametrize("keys", [[], ["  "]], ids=["none", "blank"])
def test_system_check_warns_w001_when_keys_are_empty(settings, keys):
    settings.FACEAUTH_KEYS = keys
    assert _face_issues() == ["faceauth.W001"]
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert "faceauth.W001" in err.getvalue()


def test_system_check_errors_e001_when_a_key_is_invalid(settings, old_key):
    settings.FACEAUTH_KEYS = [NEW_KEY, "not-a-fernet-key"]
    assert _face_issues() == ["faceauth.E001"]
    with pytest.raises(SystemCheckError, match="faceauth.E001"):
        call_command("check", stdout=StringIO(), stderr=StringIO())
