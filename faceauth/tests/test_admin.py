"""The face admin as a superuser sees it: records readable, templates never shown,
nothing added or edited by hand."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from faceauth.models import FaceConsent, FaceTemplate, VerificationAttempt
from faceauth.services import consent_withdraw
from faceauth.services.evidence import attempt_evidence
from shop.tests.factories import UserFactory

from .factories import BIDEN, OBAMA, OBAMA_PORTRAIT, attempt_make, face_enrol

pytestmark = pytest.mark.django_db

MODELS = [FaceConsent, FaceTemplate]
IDS = [model.__name__ for model in MODELS]


def _url(model, action, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=args)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def enrolments(shopper, other_shopper):
    """Ada enrolled with two photos; Bob enrolled, then withdrew."""
    face_enrol(shopper, OBAMA, OBAMA_PORTRAIT)
    face_enrol(other_shopper, BIDEN)
    consent_withdraw(user=other_shopper)
    return [bytes(t) for t in FaceTemplate.objects.values_list("ciphertext", flat=True)]


def _assert_no_template_contents(page: str, tokens):
    assert "ciphertext" not in page.lower()
    assert "gAAAAA" not in page  # how every Fernet token begins
    for token in tokens:
        assert token.decode() not in page
        assert token.decode()[:40] not in page


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_changelist_opens_and_shows_no_template_contents(
    admin_client, enrolments, model
):
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    page = response.content.decode()
    assert "ada" in page
    _assert_no_template_contents(page, enrolments)


def test_consent_changelist_lists_given_and_withdrawn_records(admin_client, enrolments):
    response = admin_client.get(_url(FaceConsent, "changelist"))
    records = {c.user.username: c for c in response.context["cl"].result_list}
    assert set(records) == {"ada", "bob"}
    assert records["ada"].withdrawn_at is None
    assert records["bob"].biometrics_deleted_at is not None


def test_template_changelist_says_where_each_template_came_from(
    admin_client, enrolments
):
    response = admin_client.get(_url(FaceTemplate, "changelist"))
    assert response.context["cl"].result_count == 2
    assert "Uploaded photo" in response.content.decode()


@pytest.mark.parametrize("model", MODELS, ids=IDS)
@pytest.mark.parametrize("query", ["ada", "nobody", "%", "' OR 1=1 --"])
def test_changelist_search_opens(admin_client, enrolments, model, query):
    assert admin_client.get(_url(model, "changelist"), {"q": query}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_change_page_is_read_only_and_shows_no_template_contents(
    admin_client, enrolments, model
):
    obj = model.objects.order_by("pk").first()
    response = admin_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    _assert_no_template_contents(page, enrolments)


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_nothing_can_be_added_in_the_admin(admin_client, enrolments, model):
    before = model.objects.count()
    assert admin_client.get(_url(model, "add")).status_code == 403
    response = admin_client.post(
        _url(model, "add"), {"user": 1, "source": "upload", "text_version": "x"}
    )
    assert response.status_code == 403
    assert model.objects.count() == before
    page = admin_client.get(_url(model, "changelist")).content.decode()
    assert _url(model, "add") not in page


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_nothing_can_be_changed_in_the_admin(admin_client, enrolments, model):
    obj = model.objects.order_by("pk").first()
    before = list(model.objects.order_by("pk").values())
    response = admin_client.post(
        _url(model, "change", obj.pk),
        {
            "source": "command",
            "text_version": "forged",
            "withdrawn_at_0": "2020-01-01",
            "withdrawn_at_1": "00:00:00",
        },
    )
    assert response.status_code == 403
    assert list(model.objects.order_by("pk").values()) == before


def test_consent_records_cannot_be_deleted_in_the_admin(admin_client, enrolments):
    consent = FaceConsent.objects.get(user__username="bob")
    response = admin_client.post(
        _url(FaceConsent, "delete", consent.pk), {"post": "yes"}
    )
    assert response.status_code == 403
    assert FaceConsent.objects.filter(pk=consent.pk).exists()
    page = admin_client.get(_url(FaceConsent, "changelist")).content.decode()
    assert "delete_selected" not in page


def test_a_template_can_be_deleted_in_the_admin(admin_client, enrolments):
    template = FaceTemplate.objects.order_by("pk").first()
    response = admin_client.post(
        _url(FaceTemplate, "delete", template.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not FaceTemplate.objects.filter(pk=template.pk).exists()
    assert FaceTemplate.objects.count() == 1


def test_staff_without_permissions_cannot_see_face_records(client, enrolments):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    for model in MODELS:
        assert client.get(_url(model, "changelist")).status_code == 403


# One distance: the worst, as the payment's evidence shows it ---------------------------


def _cell(page: str, column: str) -> str:
    match = re.search(rf'<td class="field-{column}">(.*?)</td>', page, re.S)
    assert match, f"no {column} column"
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("language", "worst", "best"), [("en", "0.35", "0.11"), ("fr", "0,35", "0,11")]
)
def test_the_attempt_list_and_the_evidence_show_the_same_worst_distance(
    admin_client, shopper, settings, language, worst, best
):
    settings.FACEAUTH_TOLERANCE = 0.45
    attempt = attempt_make(
        shopper,
        status=VerificationAttempt.Status.APPROVED,
        reason=VerificationAttempt.Reason.MATCHED_AND_LIVE,
        liveness={"distances": [0.1094, 0.3549, 0.2, 0.31], "answers": []},
        best_distance=0.1094,
    )
    evidence = attempt_evidence(attempt)
    with translation.override(language):
        shown = render_to_string("payments/_face_evidence.html", {"evidence": evidence})

    listed = admin_client.get(
        _url(VerificationAttempt, "changelist"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    detail = admin_client.get(
        _url(VerificationAttempt, "change", attempt.pk), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    worst_words = {"en": "worst distance", "fr": "distance maximale"}[language]
    of_four = {"en": "worst of 4 encodings", "fr": "maximum sur 4 encodages"}[language]
    assert re.search(rf"{worst_words} {worst}\b", shown), shown
    assert _cell(listed, "face_distance").startswith(f"{worst} ({of_four}")
    assert re.search(rf">{worst} \({of_four}\)<", detail), "not on the page"
    for page in (shown, listed, detail):
        assert best not in page  # the closest encoding is not the one shown
    if language == "en":
        heading = "Face distance (lower is closer; a match is at most 0.45)"
        assert heading in listed
        assert heading in detail
        assert (
            "Worst of 4 encodings; lower is closer, and a match is at most 0.45."
            in (shown)
        )
