"""The OpenAPI schema: served, valid, documented locally, and true to the API.

The schema-driven test has Schemathesis generate requests for every operation from
the project's own schema, send them to the Django WSGI app, and check each answer:
no server error, a documented status code, content type, headers and body.
"""

import ipaddress
import re
import socket
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tokens import token_issue
from payments.services import payment_confirm_with_password
from payments.tests.factories import cart_fill, order_place
from shop.tests.factories import PASSWORD

from .conftest import client_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Revoking the caller's own token would leave the rest of the run anonymous.
SKIPPED = {("DELETE", "/api/auth/token/")}
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}


def test_the_schema_is_valid_openapi_3(api):
    response = api().get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_operation_declares_its_errors_and_every_error_has_one_shape(api):
    schema = api().get("/api/schema/", {"format": "json"}).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), (method, path)
            errors = [code for code in responses if code >= "400"]
            assert errors, (method, path)
            for code in errors:
                ref = responses[code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}, (method, path)
            if operation.get("security") != [{}]:
                assert "401" in responses, (method, path)
            if method in ("post", "patch", "delete") and path != "/api/auth/token/":
                assert "403" in responses, (method, path)


def test_swagger_ui_is_served_from_the_projects_own_static_files(api):
    response = api().get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in assets
    assert "cdn" not in page.lower()
    assert not [url for url in assets if url.startswith(("http:", "https:", "//"))]
    for url in assets:
        assert api().get(url).status_code == 200, url
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', page).group(1)
    assert api().get(script).status_code == 200
    assert "<script>" not in page  # its start-up code comes as a script of its own
    start_up = api().get("/api/docs/?script")
    assert start_up.status_code == 200
    assert "/api/schema/" in start_up.content.decode()


def test_redoc_is_served_from_the_projects_own_static_files(api):
    page = api().get("/api/redoc/").content.decode()

    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in page
    assert "cdn" not in page.lower()


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_an_unknown_api_path_answers_in_the_error_shape(shopper, method):
    # Even a signed-in browser without a CSRF token gets the API's 404, not a page.
    client = client_for(shopper, session=True, csrf=True)

    response = getattr(client, method)("/api/cart/items/not%20a%20slug/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


# --- Schemathesis --------------------------------------------------------------


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI app, serving the test's own database transaction.

    Django's test client keeps the connection open across requests; a bare WSGI
    handler would close it when a request finishes, ending the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def shop_state(
    funded_shopper, merchant_staff, product, other_product, other_merchant_staff
):
    """Something real behind every endpoint: orders paid and not, a cart, a line."""
    paid = order_place(user=funded_shopper, items={product: 1, other_product: 1})
    payment_confirm_with_password(
        payment=paid.payment, user=funded_shopper, password=PASSWORD
    )
    order_place(user=funded_shopper, items={product: 1})
    cart_fill(user=funded_shopper, items={product: 1})
    return {
        "slug": product.slug,
        "number": paid.number,
        "id": paid.lines.get(product=product).pk,
        "product_id": product.pk,  # `{id}` in /api/merchant/products/
    }


def _token_of(user):
    return token_issue(user=user)[1]


def _run(operation, *, mode, headers, path_parameters=None) -> list[int]:
    """Send generated requests for one operation; return the status codes."""
    sent = []

    @given(
        case=operation.as_strategy(
            generation_mode=mode, path_parameters=path_parameters
        )
    )
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        sent.append(response.status_code)

    try:
        send()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): no negative cases.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return sent


@pytest.fixture
def offline_names(monkeypatch):
    """Generated webhook URLs name hosts at random: resolve none of them, so the
    run asks no DNS server and answers the same everywhere."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "not resolved in tests") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("offline_names")
@pytest.mark.parametrize("caller", ["shopper", "merchant"])
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
    wsgi_app, shop_state, funded_shopper, merchant_staff, caller
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    user = funded_shopper if caller == "shopper" else merchant_staff
    headers = {"Authorization": f"Token {_token_of(user)}"}
    statuses = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 38

    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        known = {
            name: value
            for name, value in shop_state.items()
            if "{" + name + "}" in operation.path
        }
        if operation.path.startswith("/api/merchant/products/{id}/"):
            known = {"id": shop_state["product_id"]}
        for mode in EXAMPLES:
            statuses += _run(operation, mode=mode, headers=headers)
            if known and mode is GenerationMode.POSITIVE:
                # The same again on a real product, order and line of the shop.
                statuses += _run(
                    operation, mode=mode, headers=headers, path_parameters=known
                )

    counts = dict(sorted(Counter(statuses).items()))
    print(f"schemathesis: {len(statuses)} requests as the {caller}: {counts}")
    assert len(statuses) >= 300
    assert counts.get(200, 0) >= 40


# Internal file paths ("accounts/throttle.py", "docs/security.md") mean nothing to a
# reader of the API's documentation, and say more than it should about the code.
INTERNAL_PATH = re.compile(r"[\w./-]*\w\.(?:py|md)\b")


@pytest.mark.parametrize(
    "url",
    [
        "/api/schema/",
        "/api/schema/?format=json",
        "/api/docs/",
        "/api/docs/?script",
        "/api/redoc/",
    ],
)
def test_the_api_documentation_names_no_internal_file(api, url):
    response = api().get(url)

    assert response.status_code == 200
    assert INTERNAL_PATH.findall(response.content.decode()) == []
