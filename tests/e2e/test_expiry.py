"""Unpaid orders expire through the real Celery worker, and beat schedules it."""

import json
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app as celery_app
from payments.models import Payment
from payments.services import checkout_place
from payments.tasks import expire_overdue_payments
from shop.cart import CartSession
from shop.models import Order, Product
from shop.services import Shipping
from shop.tests.factories import PASSWORD, ProductFactory, UserFactory

from .conftest import (
    ARTIFACTS,
    BIN,
    forget_queue,
    start_service,
    wait_until,
)
from .steps import SHIPPING, log_in

pytestmark = pytest.mark.e2e

EXPIRY_TASK = "payments.tasks.expire_overdue_payments"
STOCK = 5


def place_order(*, user, product, quantity) -> Order:
    """Place an order the way the checkout views do, through the services."""
    cart = CartSession(SimpleNamespace(session={}, user=user))
    cart.add(product=product, quantity=quantity)
    order, created = checkout_place(
        user=user,
        checkout_key=cart.checkout_key(),
        shipping=Shipping(
            full_name=SHIPPING["Full name"],
            address=SHIPPING["Address"],
            city=SHIPPING["City"],
            postcode=SHIPPING["Postcode"],
            country=SHIPPING["Country"],
        ),
        expected_total=product.price * quantity,
    )
    assert created
    return order


def test_worker_expires_an_overdue_payment_and_returns_the_stock(
    live_worker, live_shop, page, screenshot
):
    shopper = UserFactory(username="grace")
    product = ProductFactory(title="Jade Teapot", price=Decimal("88.00"), stock=STOCK)
    order = place_order(user=shopper, product=product, quantity=2)
    assert Product.objects.get(pk=product.pk).stock == STOCK - 2
    # The shopper never confirms: move the deadline into the past.
    Payment.objects.filter(order=order).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )

    expire_overdue_payments.delay()

    def expired():
        status = Payment.objects.get(order=order).status
        return status == Payment.Status.EXPIRED

    wait_until(expired, timeout=20, what=f"the worker to expire order {order.number}")
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert Product.objects.get(pk=product.pk).stock == STOCK
    log = live_worker.log_text()
    assert f"Task {EXPIRY_TASK}[" in log
    assert f"Order #{order.number}: payment expired" in log

    page.goto(f"/orders/{order.number}/")
    log_in(page, username="grace", password=PASSWORD, shot=screenshot)
    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Expired")
    expect(page.get_by_test_id("payment-status")).to_have_text("Expired")
    expect(page.get_by_text("went back on the shelf")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm with password")).to_have_count(0)
    screenshot(page, "order-expired")


def test_beat_schedule_runs_the_expiry_task_often():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == EXPIRY_TASK
    ]
    assert len(entries) == 1, settings.CELERY_BEAT_SCHEDULE
    assert EXPIRY_TASK in celery_app.tasks
    every = entries[0]["schedule"]
    every = every.total_seconds() if isinstance(every, timedelta) else float(every)
    # Expired orders give their stock back within a minute, well inside the
    # shopper's time to confirm.
    assert 0 < every <= 60
    assert every < settings.PAYMENT_CONFIRMATION_MINUTES * 60


def test_celery_beat_starts_and_sends_the_expiry_task(server_env, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    # A fresh beat waits one whole interval before the first run; a schedule file
    # whose last run is an hour old (a beat restarted after downtime) is due at once.
    scheduler = PersistentScheduler(app=celery_app, schedule_filename=str(schedule))
    try:
        for entry in scheduler.schedule.values():
            entry.last_run_at = celery_app.now() - timedelta(hours=1)
        scheduler.sync()
    finally:
        scheduler.close()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5)
    # A queue no worker listens on, so beat's message stays there to be seen.
    queue = f"smilepay-beat-{uuid.uuid4().hex[:8]}"

    beat = start_service(
        "celery-beat",
        [
            BIN / "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={schedule}",
            f"--pidfile={tmp_path / 'celerybeat.pid'}",
            "--max-interval=1",
        ],
        env={**server_env, "CELERY_TASK_DEFAULT_QUEUE": queue},
        log=ARTIFACTS / "celery-beat.log",
    )

    def sent_by_beat():
        return [
            message
            for message in broker.lrange(queue, 0, -1)
            if json.loads(message)["headers"]["task"] == EXPIRY_TASK
        ]

    try:
        beat.wait_for_log(r"beat: Starting", timeout=30)
        beat.wait_for_log(
            rf"Sending due task \S+ \({re.escape(EXPIRY_TASK)}\)",
            timeout=20,
        )
        # Beat did not only log it: the task message reached the broker. Beat logs
        # before it publishes, so it keeps running until the message is there.
        wait_until(sent_by_beat, timeout=20, what="beat's task message in Redis")
    finally:
        beat.stop()
        forget_queue(queue)
