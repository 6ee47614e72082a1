"""Production settings: ``check --deploy`` is clean, and HTTPS drives cookies, redirects and HSTS."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEPLOYMENT_VARIABLES = ("DEBUG", "SECRET_KEY", "HTTPS", "ALLOWED_HOSTS", "BEHIND_PROXY", "NUM_PROXIES")
SHOWN = (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
)
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings; "
    f"print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}} | "
    "{'NUM_PROXIES': settings.REST_FRAMEWORK['NUM_PROXIES']}))"
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES}
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(**overrides: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "data.example.org",
        **overrides,
    }


def settings_with(**env: str) -> dict:
    result = run(["-c", PRINT_SETTINGS], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_reports_nothing_in_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_reports_plain_http():
    """The same check fails when HTTPS is off: the clean result above depends on the HTTPS settings."""
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production(HTTPS="false"))
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_https_turns_on_secure_cookies_redirects_and_hsts():
    values = settings_with(**production())
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "NUM_PROXIES": 0,
    }


def test_plain_http_for_development_keeps_cookies_usable_without_tls():
    values = settings_with(**production(HTTPS="false"))
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert values["SESSION_COOKIE_HTTPONLY"] is True and values["X_FRAME_OPTIONS"] == "DENY"


def test_behind_a_proxy_its_forwarded_headers_are_trusted_and_only_then():
    values = settings_with(**production(BEHIND_PROXY="true"))
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["NUM_PROXIES"] == 1
    assert settings_with(**production(BEHIND_PROXY="true", NUM_PROXIES="2"))["NUM_PROXIES"] == 2
