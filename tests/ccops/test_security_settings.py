"""Production settings, loaded in a fresh process as a server would: HTTPS-only cookies,
HSTS, SSL redirect, and ``check --deploy`` clean at WARNING level."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "k" * 30 + "Z9#x-q7!" * 5  # 70 varied characters, as check --deploy wants

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_CONTENT_TYPE_NOSNIFF', "
    "'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', "
    "'CSP', 'CSP_REPORT_ONLY', 'MIDDLEWARE')}, default=list))"
)


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update(DJANGO_SETTINGS_MODULE="ccops.settings.production", SECRET_KEY=SECRET, **extra)
    return env


def run(args: list[str], **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        env=production_env(**extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def production_settings(**extra) -> dict:
    out = run(["-c", PROBE], **extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_cookies_hsts_and_redirect():
    s = production_settings()
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["CSRF_COOKIE_SECURE"] is True
    assert s["SESSION_COOKIE_HTTPONLY"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000  # one year, as preload lists require
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY"


def test_production_security_headers_are_on():
    s = production_settings()
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    assert s["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert s["CSP_REPORT_ONLY"] is False
    assert "script-src 'self';" in s["CSP"] and "frame-ancestors 'none'" in s["CSP"]
    assert "unsafe-inline" not in s["CSP"] and "unsafe-eval" not in s["CSP"]
    middleware = s["MIDDLEWARE"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "ccops.middleware.SecurityHeadersMiddleware"


def test_check_deploy_passes_at_warning_level():
    out = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_check_deploy_catches_a_weakened_setting():
    # The probe above is meaningful: turning HSTS off makes the same check fail.
    out = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECURE_HSTS_SECONDS="0"
    )
    assert out.returncode != 0
    assert "security.W004" in out.stdout + out.stderr
