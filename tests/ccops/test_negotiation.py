"""The API's content negotiation answers as DRF's does, faster for the usual request."""

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ccops.api.negotiation import ContentNegotiation

ACCEPTS = [
    None,
    "",
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html, application/json;q=0.9",
    "text/html",
]


JSON_ONLY = (JSONRenderer(),)


def selected(negotiation, accept, query="", renderers=JSON_ONLY):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/presence/me/{query}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, list(renderers))
    except NotAcceptable:
        return "406"
    except Http404:  # an unknown ?format=
        return "404"
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=json", "?format=api"])
def test_the_same_answer_as_drfs(accept, query):
    ours = selected(ContentNegotiation(), accept, query)
    assert ours == selected(DefaultContentNegotiation(), accept, query)
    if accept in (None, "*/*", "application/json") and query != "?format=api":
        assert ours == ("JSONRenderer", "application/json")
    if query == "?format=api":
        assert ours == "404"
    elif accept in ("", "text/html"):
        assert ours == "406"


@pytest.mark.parametrize("accept", ACCEPTS)
def test_with_the_browsable_api_too(accept):
    """DEBUG adds the browsable API: two renderers, DRF's own path."""
    both = (JSONRenderer(), BrowsableAPIRenderer())
    ours = selected(ContentNegotiation(), accept, renderers=both)
    assert ours == selected(DefaultContentNegotiation(), accept, renderers=both)


def test_the_api_answers_json_and_refuses_html(api_as, agent):
    api = api_as(agent)
    answer = api.get("/api/v1/presence/me/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert "state" in answer.json()
    assert api.get("/api/v1/presence/me/", HTTP_ACCEPT="text/html").status_code == 406
