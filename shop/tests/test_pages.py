"""The footer's pages and the favicon, as a visitor meets them."""

import io

import pytest
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db

PAGES = ["shop:contact", "shop:returns", "shop:privacy"]


@pytest.mark.parametrize("language", ["en", "fr", "zh-hans"])
@pytest.mark.parametrize("name", PAGES)
def test_a_footer_page_answers_in_every_language(client, name, language):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert response["Content-Language"] == language


def test_every_page_links_the_footer_pages(client):
    page = client.get(reverse("shop:home")).content.decode()

    for name in PAGES:
        assert f'href="{reverse(name)}"' in page


def test_the_contact_page_gives_an_address_and_says_how_to_reach_a_merchant(client):
    page = client.get(reverse("shop:contact")).content.decode()

    assert "mailto:help@smilepay.example" in page
    assert "<address>" in page
    assert "To reach a merchant" in page


def test_the_returns_page_quotes_the_shops_own_delays(client, settings):
    settings.PAYMENT_CONFIRMATION_MINUTES = 20

    page = client.get(reverse("shop:returns")).content.decode()

    assert "waits 20 minutes for you to confirm" in page
    assert "within 30 days of receiving it" in page
    assert "goes back to your wallet at once" in page
    assert f'href="{reverse("payments:wallet")}"' in page


def test_the_privacy_page_links_the_face_settings_and_says_what_is_kept(client):
    page = client.get(reverse("shop:privacy")).content.decode()

    assert f'href="{reverse("faceauth:settings")}"' in page
    assert "128 numbers" in page
    assert "A template is not a photo" in page
    assert "no image and no template" in page


@pytest.mark.parametrize(
    ("days", "says"),
    [
        (3 * 365, "not used for 3 years (1095 days)"),
        (730, "not used for 2 years (730 days)"),
        (30, "not used for 30 days"),
        (1, "not used for 1 day are"),
    ],
)
def test_the_privacy_page_states_the_retention_period_from_settings(
    client, settings, days, says
):
    settings.FACEAUTH_RETENTION_DAYS = days

    page = client.get(reverse("shop:privacy")).content.decode()

    assert says in " ".join(page.split())


def test_the_privacy_page_says_how_long_frame_fingerprints_are_kept(client, settings):
    settings.FACEAUTH_REPLAY_SECONDS = 24 * 60 * 60
    assert "for 24 hours" in client.get(reverse("shop:privacy")).content.decode()

    settings.FACEAUTH_REPLAY_SECONDS = 0  # the replay check is off
    assert "fingerprint" not in client.get(reverse("shop:privacy")).content.decode()


def test_favicon_ico_is_a_real_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as icon:
        assert icon.format == "ICO"
        assert (32, 32) in icon.info["sizes"]


def test_the_pages_link_the_svg_favicon(client):
    page = client.get(reverse("shop:home")).content.decode()

    assert 'rel="icon" href="/static/img/favicon.svg"' in page
    assert client.get("/static/img/favicon.svg")["Content-Type"] == "image/svg+xml"
