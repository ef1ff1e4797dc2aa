"""API errors in the caller's language: `detail` follows Accept-Language, `code`
and the field names stay the same English identifiers."""

import pytest

from .conftest import SHIPPING_BODY, client_for

# (who calls, method, path, body, status, code): one of each kind of error.
ERRORS = [
    pytest.param(None, "get", "/api/cart/", None, 401, "not_authenticated", id="401"),
    pytest.param(
        "shopper", "get", "/api/merchant/orders/", None, 403, "permission_denied",
        id="403-permission",
    ),
    pytest.param(
        None, "get", "/api/no-such-endpoint/", None, 404, "not_found",
        id="404-catch-all",
    ),
    pytest.param(
        None, "get", "/api/products/no-such-product/", None, 404, "not_found",
        id="404-own-message",
    ),
    pytest.param(
        "shopper", "post", "/api/cart/items/", {"product": "tea-mug", "quantity": 0},
        400, "invalid", id="400-drf-validation",
    ),
    pytest.param(
        "merchant_staff", "get",
        "/api/merchant/orders/?date_from=2026-02-01&date_to=2026-01-01", None,
        400, "invalid", id="400-own-validation",
    ),
    pytest.param(
        "shopper", "post", "/api/orders/", SHIPPING_BODY, 400,
        "idempotency_key_invalid", id="400-api-error",
    ),
    pytest.param(
        "shopper", "post", "/api/cart/items/", {"product": "tea-mug", "quantity": 6},
        409, "out_of_stock", id="409-domain-error",
    ),
]  # fmt: skip


def _ask(request, who, method, path, body, language):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    if method == "get":
        return client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    return client.post(path, body, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize("language", ["fr", "zh-hans"])
@pytest.mark.parametrize(("who", "method", "path", "body", "status", "code"), ERRORS)
def test_an_api_error_has_the_same_code_in_every_language(
    request, product, language, who, method, path, body, status, code
):
    english = _ask(request, who, method, path, body, "en")
    translated = _ask(request, who, method, path, body, language)

    for response in (english, translated):
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == code
        assert response.json()["detail"]
    assert translated.json().keys() == english.json().keys()
    assert translated.json().get("fields", {}).keys() == (
        english.json().get("fields", {}).keys()
    )
    assert translated["Content-Language"] == language


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "Authentication credentials were not provided."),
        ("fr", "Informations d'authentification non fournies."),
        ("zh-hans", "身份认证信息未提供。"),
    ],
)
def test_drf_messages_are_in_the_callers_language(api, language, detail):
    response = api().get("/api/cart/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 401
    assert response.json() == {"detail": detail, "code": "not_authenticated"}


def test_the_catch_all_404_is_in_the_callers_language(api):
    response = api().get("/api/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé.", "code": "not_found"}


def test_invalid_fields_are_named_in_english_and_explained_in_french(
    api, shopper, product
):
    response = api(shopper).post(
        "/api/cart/items/",
        {"product": "tea-mug", "quantity": 0},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    message = "Assurez-vous que cette valeur est supérieure ou égale à\xa01."
    assert body["fields"] == {"quantity": [message]}
    assert body["detail"].startswith("quantity")
    assert body["detail"].endswith(message)
