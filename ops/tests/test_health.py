"""/healthz answers while the process does; /readyz only while the database, Redis
and the channel layer all answer, and names the ones that do not."""

import asyncio
import socket

import pytest
from channels.layers import channel_layers

from config.settings.base import redis_backends
from ops import health

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_layers():
    """Channel layers are built once per process: rebuild them from the settings."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_healthz_answers_without_asking_anything_else(client, settings, closed_port):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port}/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_everything_answers(client, fresh_layers):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "redis", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_names_redis_and_the_channel_layer_when_redis_is_gone(
    client, settings, fresh_layers, closed_port
):
    gone = f"redis://127.0.0.1:{closed_port}/0"
    settings.REDIS_URL = gone
    settings.CHANNEL_LAYERS, _cache = redis_backends(gone)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["redis", "channel_layer"]
    assert body["checks"]["database"]["ok"] is True
    assert "ConnectionError" in body["checks"]["redis"]["error"]


def test_a_check_that_hangs_fails_after_one_second(client, monkeypatch, fresh_layers):
    async def hangs():
        await asyncio.sleep(30)

    monkeypatch.setitem(health.CHECKS, "database", hangs)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"] == "no answer within 1 s"
    assert body["checks"]["database"]["seconds"] < 5  # cut off, not waited out


def test_the_probes_are_not_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # production's; the exemption is base.py's

    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
