"""English, French and Simplified Chinese (issue 13): the browser's Accept-Language
picks one, the switcher on every page overrides it, `<html lang>` names the one
served, and prices and dates follow it."""

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from shop.money import format_money, format_money_round

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("zh-CN,zh;q=0.9", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("en-GB", "en"),
        ("de-DE,de;q=0.9", "en"),  # not offered: the shop's own language
    ],
)
def test_the_browser_language_picks_the_page_language(client, accept, served):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)

    assert response.status_code == 200
    assert _lang(response) == served


def test_the_french_home_page_is_in_french(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Panier" in html  # the cart link
    assert ">Cart <" not in html


def test_the_switcher_is_on_every_page_and_overrides_the_browser(client, product):
    html = client.get(product.get_absolute_url()).content.decode()
    assert 'data-testid="language-switcher"' in html
    for code in ("en", "fr", "zh-hans"):
        assert f'name="language" value="{code}"' in html

    response = client.post(
        reverse("set_language"),
        {"language": "zh-hans", "next": product.get_absolute_url()},
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 302
    assert response.url == product.get_absolute_url()
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="fr")
    assert _lang(page) == "zh-hans"
    assert "购物车" in page.content.decode()


def test_the_switcher_goes_back_only_to_this_site(client):
    response = client.post(
        reverse("set_language"),
        {"language": "fr", "next": "https://evil.example/phish"},
    )

    assert response.status_code == 302
    assert "evil.example" not in response.url


def test_an_unknown_language_is_ignored(client):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    assert _lang(client.get("/")) == "en"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "¥1,234.50"),
        ("fr", f"1{NBSP}234,50{NBSP}¥"),
        ("zh-hans", "¥1,234.50"),
    ],
)
def test_money_follows_the_language(language, expected):
    with translation.override(language):
        assert format_money(Decimal("1234.5")) == expected
        rendered = Template("{% load money %}{{ amount|money }}").render(
            Context({"amount": Decimal("1234.50")})
        )
    assert rendered == expected


def test_round_money_drops_only_zero_cents():
    with translation.override("en"):
        assert format_money_round(Decimal("1000.00")) == "¥1,000"
        assert format_money_round(Decimal("1000.50")) == "¥1,000.50"


def test_the_currency_symbol_comes_from_one_setting(settings):
    settings.CURRENCY_SYMBOL = "€"

    with translation.override("en"):
        assert format_money(Decimal("3")) == "€3.00"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "5 Dec 2026, 14:05"),
        ("fr", "5 déc. 2026, 14:05"),
        ("zh-hans", "2026年12月5日 14:05"),
    ],
)
def test_dates_follow_the_language(language, expected):
    moment = datetime(2026, 12, 5, 14, 5, tzinfo=ZoneInfo("UTC"))
    with translation.override(language):
        rendered = Template('{{ moment|date:"DATETIME_FORMAT" }}').render(
            Context({"moment": moment})
        )
    assert rendered == expected


def test_a_debit_carries_its_sign_before_the_amount():
    with translation.override("en"):
        assert format_money(Decimal("-18.99")) == "-¥18.99"
    with translation.override("fr"):
        assert format_money(Decimal("-18.99")) == f"-18,99{NBSP}¥"


def test_money_rounds_half_up_to_cents_and_shows_nothing_for_garbage():
    with translation.override("en"):
        assert format_money(Decimal("1.995")) == "¥2.00"
        assert format_money(Decimal("1.994")) == "¥1.99"
        assert format_money_round(Decimal("999.999")) == "¥1,000"
        assert format_money(None) == ""
        assert format_money("twelve") == ""


def test_the_face_pages_scripts_get_their_words_in_each_language(client):
    """/jsi18n/ is cached: each language must still get its own catalogue."""
    english = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    chinese = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    assert '"Move %(step)s of %(steps)s"' in french  # a key of the French catalogue
    assert french != english
    assert chinese not in (english, french)
    assert '"Move %(step)s of %(steps)s"' not in english  # English needs no catalogue
