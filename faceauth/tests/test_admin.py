"""The face admin as a superuser sees it: records readable, templates never shown,
nothing added or edited by hand."""

import pytest
from django.urls import reverse

from faceauth.models import FaceConsent, FaceTemplate
from faceauth.services import consent_withdraw
from shop.tests.factories import UserFactory

from .factories import BIDEN, OBAMA, OBAMA_PORTRAIT, face_enrol

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
