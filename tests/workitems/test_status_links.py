"""The customer's status link: signed, expiring, public, and free of anything internal."""

import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from workitems import services, status_links
from workitems.choices import Status

pytestmark = pytest.mark.django_db


def status_page(client, item):
    return client.get(status_links.status_path(item))


def made_days_ago(item, days):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days * 86400):
        return status_links.make_token(item)


def test_token_round_trip_and_salt(make_item):
    item = make_item()
    token = status_links.make_token(item)
    assert status_links.read_token(token) == item.pk
    # The same value signed with another salt (or none) is not accepted here.

    foreign = signing.TimestampSigner().sign(str(item.pk))
    with pytest.raises(status_links.LinkInvalid):
        status_links.read_token(foreign)


@pytest.mark.parametrize("days,expired", [(29, False), (31, True)])
def test_links_expire_after_the_setting(make_item, days, expired):
    token = made_days_ago(make_item(), days)
    if expired:
        with pytest.raises(status_links.LinkExpired):
            status_links.read_token(token)
    else:
        assert status_links.read_token(token)


@override_settings(CUSTOMER_LINK_MAX_AGE_DAYS=3)
def test_max_age_is_a_setting(make_item):
    with pytest.raises(status_links.LinkExpired):
        status_links.read_token(made_days_ago(make_item(), 4))


def test_public_page_needs_no_login_and_shows_nothing_internal(client, agent, held_item):
    item = services.workitem_start(item=held_item, by=agent)
    services.workitem_comment(item=item, by=agent, note="SECRET internal note")
    response = status_page(client, item)
    assert response.status_code == 200
    page = response.content.decode()
    assert "We are working on your case" in page
    assert f'data-testid="reference">{item.pk}<' in page
    assert item.due_at.strftime("%-d %B %Y") in page  # expected completion
    for internal in (str(agent), agent.username, "SECRET", "Front A", "Calls", "Alice"):
        assert internal not in page
    assert "<a " not in page  # no links into the application
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.parametrize(
    "status,headline",
    [
        (Status.NEW, "We have received your request"),
        (Status.ASSIGNED, "Your case has been given to one of our team"),
        (Status.PENDING, "Your case is waiting for information"),
        (Status.ESCALATED, "Your case has been passed to a specialist"),
        (Status.DONE, "Your case is complete"),
        (Status.CANCELLED, "This request was closed"),
    ],
)
def test_plain_language_per_status(client, make_item, status, headline, agent):
    item = make_item()
    closed = status in (Status.DONE, Status.CANCELLED)
    item.__class__.objects.filter(pk=item.pk).update(
        status=status,
        assignee=None if status == Status.NEW else agent,
        completed_at=timezone.now() if closed else None,
    )
    page = status_page(client, item).content.decode()
    assert headline in page
    assert ("Expected completion" in page) is not closed


def test_running_late_is_said_plainly(client, make_item):
    item = make_item(created_at=timezone.now() - timedelta(hours=5))
    page = status_page(client, item).content.decode()
    assert "We are taking longer than we expected" in page


def test_a_handed_off_contact_shows_its_case(client, agent, held_item, back_type):
    case = services.workitem_handoff(item=held_item, by=agent, work_type=back_type)
    page = status_page(client, held_item).content.decode()
    # The contact is closed, but the customer's request lives on as the case.
    assert "We have received your request" in page
    assert case.due_at.strftime("%-d %B %Y") in page
    assert f'data-testid="reference">{held_item.pk}<' in page


def test_a_merged_duplicate_shows_the_original(client, make_item, supervisor):
    original = make_item(title="Refund")
    dup = make_item(title="Refund again")
    services.workitem_merge(item=dup, into=original, by=supervisor)
    page = status_page(client, dup).content.decode()
    assert "We have received your request" in page


def test_tampered_token_is_a_friendly_404(client, make_item):
    token = status_links.make_token(make_item())
    bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(reverse("workitems:public_status", kwargs={"token": bad}))
    assert response.status_code == 404
    assert "We could not find this case" in response.content.decode()
    response = client.get(reverse("workitems:public_status", kwargs={"token": "garbage"}))
    assert response.status_code == 404


def test_expired_token_is_a_friendly_410(client, make_item):
    token = made_days_ago(make_item(), 45)
    response = client.get(reverse("workitems:public_status", kwargs={"token": token}))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and "30 days" in page


def test_a_link_to_no_item_is_a_404(client, make_item):
    # Items are never deleted (their events are append-only, refused on PostgreSQL): a
    # genuine signature over an id with no item stands for a removed one.
    item = make_item()
    token = status_links.make_token(SimpleNamespace(pk=item.pk + 1000))
    response = client.get(reverse("workitems:public_status", kwargs={"token": token}))
    assert response.status_code == 404


def test_public_page_queries(client, make_item, django_assert_num_queries):
    item = make_item()
    # 1 the item with its work type (open: nothing to follow)
    with django_assert_num_queries(1):
        status_page(client, item)


# --- Forgery and rate limit (issue 20, finding 7) ----------------------------------------

PUBLISHED_DEV_KEY = "ccops-insecure-dev-key-change-me-in-production-0123456789"


def test_a_link_signed_with_the_old_published_key_is_refused(client, make_item):
    item = make_item()
    forged = signing.TimestampSigner(key=PUBLISHED_DEV_KEY, salt=status_links.SALT).sign(
        str(item.pk)
    )
    with pytest.raises(status_links.LinkInvalid):
        status_links.read_token(forged)
    path = reverse("workitems:public_status", kwargs={"token": forged})
    assert client.get(path).status_code == 404


@override_settings(PUBLIC_STATUS_RATE_LIMIT=3, PUBLIC_STATUS_RATE_WINDOW=60)
def test_status_page_is_rate_limited_per_address(client, make_item):
    path = status_links.status_path(make_item())
    bad = reverse("workitems:public_status", kwargs={"token": "guess"})
    with mock.patch("workitems.views.public.time.time", return_value=1_000_040.0):
        # Guesses count too: trying tokens is what the limit is for.
        assert [client.get(p).status_code for p in (bad, path, path)] == [404, 200, 200]
        limited = client.get(path)
        assert limited.status_code == 429
        assert limited["Retry-After"] == "40"  # the window began at 1,000,020 (a multiple of 60)
        assert limited["Cache-Control"] == "no-store, private"
        page = limited.content.decode()
        assert 'data-testid="public-limited"' in page and "Try again in 40 seconds" in page
        # Another address has its own allowance.
        assert client.get(path, REMOTE_ADDR="203.0.113.9").status_code == 200
    with mock.patch("workitems.views.public.time.time", return_value=1_000_081.0):
        assert client.get(path).status_code == 200  # a new window


@override_settings(PUBLIC_STATUS_RATE_LIMIT=0)
def test_a_zero_limit_turns_it_off(client, make_item):
    path = status_links.status_path(make_item())
    assert {client.get(path).status_code for _ in range(40)} == {200}
