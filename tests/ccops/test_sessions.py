"""Sessions (``ccops.sessions``): Django's database sessions, read by one statement."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from ccops.sessions import SessionStore


def test_a_saved_session_reads_back(db):
    store = SessionStore()
    store["team"] = 7
    store.save()

    again = SessionStore(store.session_key)
    assert again["team"] == 7
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_empty_under_a_new_key(db):
    store = SessionStore()
    store["team"] = 7
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    expired = SessionStore(store.session_key)
    assert expired.get("team") is None
    assert expired.session_key is None  # a new session, not the expired one revived
    unknown = SessionStore("x" * 32)
    assert unknown.get("team") is None
    assert unknown.session_key is None


def test_a_page_reads_its_login_from_the_session(supervisor, front_team):
    client = Client()
    client.force_login(supervisor)
    page = client.get(f"/work/queue/?team={front_team.pk}")
    assert page.status_code == 200
    assert page.wsgi_request.user == supervisor
    assert page.wsgi_request.user.team == front_team
    Session.objects.all().delete()  # signed out everywhere (an admin clearing sessions)
    page = client.get(f"/work/queue/?team={front_team.pk}")
    assert page.status_code == 302
    assert page.url.startswith("/accounts/login/")
