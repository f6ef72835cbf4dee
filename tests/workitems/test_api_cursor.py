"""The large API collections page by cursor (``ccops.api.pagination.KeysetPagination``): no
count, each page continues right after the last row shown (ties on ``created_at`` broken by
id), filters carried along in ``next``/``previous``, malformed cursors a 404."""

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from workitems.models import WorkItem

pytestmark = pytest.mark.django_db
URL = "/api/v1/workitems/"


def _follow(client, url, key):
    """Every page from ``url`` on, along ``key`` (next or previous): the ids of each."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        pages.append([row["id"] for row in body["results"]])
        url = body[key]
    return pages


def test_filter_and_follow_next_then_previous(api_as, supervisor, make_item, back_type):
    same = timezone.now() - timedelta(hours=1)
    tied = [make_item(title=f"Tied {n}") for n in range(5)]
    WorkItem.objects.filter(pk__in=[i.pk for i in tied]).update(created_at=same)
    newer = [make_item(title=f"Newer {n}") for n in range(2)]
    make_item(work_type=back_type, title="Other office")  # filtered out on every page
    client = api_as(supervisor)

    pages = _follow(client, f"{URL}?office=front&page_size=2", "next")
    expected = [i.pk for i in reversed(newer)] + sorted((i.pk for i in tied), reverse=True)
    assert [pk for page in pages for pk in page] == expected
    assert [len(p) for p in pages] == [2, 2, 2, 1]

    last = client.get(f"{URL}?office=front&page_size=2").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    assert parse_qs(urlparse(last["previous"]).query)["office"] == ["front"]
    back = _follow(client, last["previous"], "previous")
    assert back == list(reversed(pages[:-1]))


def test_ascending_order_by_id(api_as, supervisor, make_item):
    items = [make_item(title=f"Item {n}") for n in range(3)]
    pages = _follow(api_as(supervisor), f"{URL}?ordering=id&page_size=2", "next")
    assert pages == [[items[0].pk, items[1].pk], [items[2].pk]]


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        _cursor("o=5"),  # no position
        _cursor(urlencode({"p": "[1]"})),  # too few values
        _cursor(urlencode({"p": '["yesterday",1]'})),
        _cursor(urlencode({"p": '["2026-01-01T00:00:00",1]'})),  # naive time
        _cursor(urlencode({"p": '["2026-01-01T00:00:00+00:00",99999999999999999999]'})),
        _cursor(urlencode({"p": '["2026-01-01T00:00:00+00:00",null]'})),
        _cursor(urlencode({"p": "{}"})),
    ],
)
def test_a_cursor_not_given_by_the_api_is_a_404(api_as, supervisor, cursor):
    response = api_as(supervisor).get(URL, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/workitems/",
        "/api/v1/workitems/{id}/events/",
        "/api/v1/quality/evaluations/",
        "/api/v1/staffing/shifts/",
        "/api/v1/kpis/",
    ],
)
def test_the_schema_documents_the_cursor(path):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    listing = schema["paths"][path]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"cursor", "page_size"} <= names and "page" not in names
    assert "404" in listing["responses"]  # a cursor the API did not give
    body = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"next", "previous", "results"}
