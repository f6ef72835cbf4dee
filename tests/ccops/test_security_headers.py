"""Security headers on every response, and templates the Content Security Policy can pass
(no inline scripts, style attributes or event handlers). The browser proof is
tests/e2e/test_csp.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)


def assert_security_headers(response):
    assert response["Content-Security-Policy"] == POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions and "microphone=()" in permissions
    assert "geolocation=()" in permissions


def test_page_response_has_the_headers(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("ccops:team_list"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_anonymous_login_page_and_api_have_the_headers(client, api_as, agent):
    assert_security_headers(client.get(reverse("login")))
    api = api_as(agent)
    response = api.get("/api/v1/presence/me/")
    assert response.status_code == 200
    assert_security_headers(response)


@override_settings(CSP_REPORT_ONLY=True)
def test_report_only_mode(client):
    response = client.get(reverse("login"))
    assert response["Content-Security-Policy-Report-Only"] == POLICY
    assert "Content-Security-Policy" not in response.headers


@override_settings(CSP="")
def test_policy_can_be_switched_off(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" not in response.headers
    assert response["Referrer-Policy"] == "same-origin"


def test_api_renders_json_only_outside_debug(api_as, agent):
    # DRF's browsable API has inline style attributes the policy refuses.
    api = api_as(agent)
    response = api.get("/api/v1/presence/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == [
        "rest_framework.renderers.JSONRenderer"
    ]


def test_api_docs_page_has_no_inline_script(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert len(scripts) == 3 and all("src=" in s for s in scripts)
    assert "<style" not in page
    assert '<script src="/api/v1/docs/?script="></script>' in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    script = client.get(reverse("api-docs") + "?script=")
    assert script["Content-Type"] == "application/javascript"
    assert "/api/v1/schema/" in script.content.decode()


def test_htmx_is_configured_without_eval_or_inline_styles(client):
    page = client.get(reverse("login")).content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>'
    ) in page


# --- Templates the policy can pass -------------------------------------------------------

TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"\sstyle=", re.I)
STYLE_TAG = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+=|javascript:|hx-on", re.I)


def template_files():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


@pytest.mark.parametrize(
    "pattern", [INLINE_SCRIPT, STYLE_ATTR, STYLE_TAG, EVENT_HANDLER], ids=lambda p: p.pattern
)
def test_no_template_needs_an_inline_exception(pattern):
    files = list(template_files())
    assert len(files) > 50  # the scan sees the project's templates
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []
