"""Every model with a status moves only as its TRANSITIONS map says (issue 16).

Each status change is one guarded UPDATE made by core.transitions.transition from
the model's own map: these tests put a real row in every status and ask for every
move, the ones the map has (the row moves) and the ones it lacks (refused, the row
unchanged); and they read the apps' code to check no status is written any other
way.
"""

import ast
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.transitions import TransitionNotAllowed, sources, transition
from faceauth.models import VerificationAttempt
from faceauth.tests.factories import attempt_make
from payments.models import Payment
from payments.tests.factories import order_place
from shop.models import Order, OrderLine
from webhooks.models import Delivery, Endpoint, Event, EventType

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
APPS = (
    "accounts",
    "api",
    "faceauth",
    "merchant",
    "ops",
    "payments",
    "shop",
    "webhooks",
)


def _row(model, status, *, shopper, product):
    """A row of `model` in `status`: an attempt or a webhook delivery written as
    their services write them, the others from an order placed as a shopper places
    it, then put in `status`."""
    if model is VerificationAttempt:
        return attempt_make(shopper, status=status)
    if model is Delivery:
        return _delivery(product.merchant, status)
    order = order_place(user=shopper, items={product: 1})
    row = {Order: order, Payment: order.payment, OrderLine: order.lines.get()}[model]
    model.objects.filter(pk=row.pk).update(status=status)
    row.refresh_from_db()
    return row


def _delivery(merchant, status) -> Delivery:
    endpoint = Endpoint.objects.create(
        merchant=merchant,
        url="https://shop.example/hooks",
        events=[EventType.ORDER_PAID],
        secret="whsec_test",
    )
    event = Event.objects.create(merchant=merchant, type=EventType.ORDER_PAID, data={})
    return Delivery.objects.create(
        event=event,
        endpoint=endpoint,
        status=status,
        give_up_at=timezone.now() + timedelta(days=3),
    )


MODELS = (Order, OrderLine, Payment, VerificationAttempt, Delivery)
MOVES = [
    pytest.param(model, source, to, id=f"{model.__name__}:{source}->{to}")
    for model in MODELS
    for source, to in itertools.product(model.Status.values, repeat=2)
]


def test_every_status_of_every_model_is_in_its_map():
    for model in MODELS:
        assert set(model.TRANSITIONS) == set(model.Status.values), model
        for targets in model.TRANSITIONS.values():
            assert targets <= set(model.Status.values), model


@pytest.mark.parametrize(("model", "source", "to"), MOVES)
def test_a_move_happens_exactly_when_the_map_has_it(
    model, source, to, shopper, product
):
    row = _row(model, source, shopper=shopper, product=product)
    allowed = to in model.TRANSITIONS[source]

    if not sources(model, to):
        # Nothing may ever move there: a mistake in the code, said before any query.
        with pytest.raises(TransitionNotAllowed, match=f"cannot move to {to}"):
            transition(row, to)
        moved = 0
    else:
        moved = transition(row, to)

    assert moved == int(allowed)
    row.refresh_from_db()
    assert row.status == (to if allowed else source)


@pytest.mark.parametrize(("model", "source", "to"), MOVES)
def test_naming_a_source_the_map_lacks_is_refused_before_any_query(
    model, source, to, shopper, product, django_assert_num_queries
):
    if to in model.TRANSITIONS[source]:
        pytest.skip("the map has this move")
    row = _row(model, source, shopper=shopper, product=product)

    with django_assert_num_queries(0), pytest.raises(TransitionNotAllowed):
        transition(row, to, from_=[source])

    row.refresh_from_db()
    assert row.status == source


def test_a_guard_that_fails_leaves_the_row_where_it_was(shopper, product):
    payment = _row(Payment, "awaiting_confirmation", shopper=shopper, product=product)

    moved = transition(
        payment, Payment.Status.APPROVED, guard=Q(deadline__lte=timezone.now())
    )

    assert moved == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_CONFIRMATION
    assert payment.decided_at is None


def test_a_move_writes_its_fields_with_the_status(shopper, product):
    payment = _row(Payment, "awaiting_confirmation", shopper=shopper, product=product)
    now = timezone.now()

    assert transition(payment, Payment.Status.CANCELLED, decided_at=now) == 1

    assert payment.status == Payment.Status.CANCELLED
    payment.refresh_from_db()
    assert (payment.status, payment.decided_at) == (Payment.Status.CANCELLED, now)


def _status_writes(path: Path) -> list[int]:
    """Lines of `path` calling .update(status=...) or .save(update_fields=[...status])."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        names = {keyword.arg for keyword in node.keywords}
        if node.func.attr == "update" and "status" in names:
            lines.append(node.lineno)
        if node.func.attr == "save" and "status" in ast.unparse(node):
            lines.append(node.lineno)
    return lines


def test_no_code_writes_a_status_but_the_one_helper():
    found = {
        str(path.relative_to(ROOT)): lines
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        if (lines := _status_writes(path))
    }

    assert found == {}
