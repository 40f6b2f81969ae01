"""Production settings (DEBUG=0) pass Django's deployment checks without a warning, and the
security settings they imply reach real responses behind the TLS-terminating proxy.

Settings are read once per process, so production runs in a subprocess with the environment a
deployment has (docs: `make run-prod`, Procfile)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# What a request behind the proxy looks like in production: the headers that come back.
_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
out = {name: getattr(settings, name) for name in (
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF")}
out["SECURE_PROXY_SSL_HEADER"] = list(settings.SECURE_PROXY_SSL_HEADER or ())
client = Client(HTTP_HOST="crm.example.com")
plain = client.get("/api/v1/openapi.json")
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
tls = client.get("/api/v1/openapi.json", HTTP_X_FORWARDED_PROTO="https")
out["tls"] = {k: tls.headers.get(k, "") for k in (
    "Strict-Transport-Security", "X-Frame-Options", "X-Content-Type-Options",
    "Content-Security-Policy")}
out["tls_status"] = tls.status_code
print(json.dumps(out))
"""


def _production_env(tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The developer's or CI's own choices must not change what production means (the
        # browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their live server in this process).
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        PEYVAND_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="peyvand.settings",
    )
    env.pop("DATABASE_URL", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )


def test_deploy_checks_pass_with_production_settings(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    result = _run(["-c", _PROBE], _production_env(tmp_path_factory.mktemp("prod")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_framing_is_denied(production):
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True


def test_plain_http_is_redirected_to_https(production):
    status, location = production["plain"]
    assert status == 301
    assert location.startswith("https://crm.example.com/")


def test_requests_through_the_tls_proxy_get_hsts_and_frame_protection(production):
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["tls_status"] == 200
    headers = production["tls"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
