"""The production settings: Django's deployment checks pass, HTTPS only, every header.

Each test runs manage.py in a process of its own with config.settings.production and
an environment of dummy production values, as an operator's would be.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.utils.crypto import get_random_string

ROOT = Path(__file__).resolve().parents[1]
HOST = "shop.example.com"


@pytest.fixture(scope="module")
def production_env():
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": get_random_string(64),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": "postgres://smilepay@db.internal:5432/smilepay",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "FACEAUTH_KEYS": Fernet.generate_key().decode(),
    }


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_a_warning(production_env):
    result = _manage(production_env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


def test_check_deploy_fails_on_a_weak_secret_key(production_env):
    env = {**production_env, "DJANGO_SECRET_KEY": "short"}

    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_refuses_to_start_without_face_keys(production_env):
    result = _manage({**production_env, "FACEAUTH_KEYS": ""}, "check")

    assert result.returncode != 0
    assert "Set FACEAUTH_KEYS" in result.stderr


# A request through the whole middleware chain, in the production process; the
# endpoint needs neither the database nor Redis.
REQUEST = """
import json, os
from django.test import Client
client = Client(HTTP_HOST=os.environ["DJANGO_ALLOWED_HOSTS"])
plain = client.get("/api/auth/token/")
secure = client.get("/api/auth/token/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, dict(secure.headers)],
}))
"""


def test_production_redirects_to_https_and_sends_every_security_header(
    production_env,
):
    result = _manage(production_env, "shell", "-c", REQUEST)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    assert answers["plain"] == [301, f"https://{HOST}/api/auth/token/"]
    status, headers = answers["secure"]
    assert status == 401
    assert headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == (
        "camera=(self), microphone=(), geolocation=()"
    )
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert f"connect-src 'self' wss://{HOST}" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp
