"""Admin for business calendars and e-mail in: changelists work, bad calendars are refused
with the field named and nothing saved, and a mailbox's password is never shown back."""

from datetime import time

import pytest

from workitems.models import Calendar, CalendarClosure, CalendarHours, Mailbox

pytestmark = pytest.mark.django_db

MODELS = ["calendar", "calendarhours", "calendarclosure", "mailbox", "inboundemail"]
MODELS += ["emailattachment"]


def test_changelists(client, admin_user, back_type):
    calendar = Calendar.objects.create(name="London", time_zone="Europe/London")
    CalendarHours.objects.create(calendar=calendar, weekday=0, opens=time(9), closes=time(17))
    Mailbox.objects.create(
        name="Claims in", host="h", username="u", password="p", work_type=back_type
    )
    client.force_login(admin_user)
    for model in MODELS:
        url = f"/admin/workitems/{model}/"
        response = client.get(url)
        assert response.status_code == 200, url
        assert client.get(url, {"q": "a"}).status_code == 200, url
    assert "London" in client.get("/admin/workitems/calendar/").content.decode()


def calendar_form(**changes):
    data = {
        "name": "Leeds",
        "time_zone": "Europe/London",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "site": "",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-opens": "09:00",
        "hours-0-closes": "17:00",
        "closures-TOTAL_FORMS": "1",
        "closures-INITIAL_FORMS": "0",
        "closures-0-name": "Staff day",
        "closures-0-first_day": "2026-12-09",
        "closures-0-last_day": "2026-12-09",
    }
    return data | changes


def test_calendar_add_and_refusals(client, admin_user):
    client.force_login(admin_user)
    url = "/admin/workitems/calendar/add/"
    response = client.post(url, calendar_form(time_zone="Mars/Olympus"))
    assert response.status_code == 200 and "Unknown time zone" in response.content.decode()
    response = client.post(url, calendar_form(holiday_country="", holiday_subdivision="ENG"))
    assert "Give the country too." in response.content.decode()
    response = client.post(url, calendar_form(holiday_country="ZZ"))
    assert response.status_code == 200 and "holiday_country" in response.content.decode()
    response = client.post(url, calendar_form(**{"hours-0-closes": "08:00"}))
    assert response.status_code == 200
    response = client.post(url, calendar_form(**{"closures-0-last_day": "2026-12-01"}))
    assert "The last day is before the first." in response.content.decode()
    assert not Calendar.objects.exists()

    response = client.post(url, calendar_form())
    assert response.status_code == 302
    calendar = Calendar.objects.get(name="Leeds")
    assert calendar.hours.get().closes == time(17)
    assert CalendarClosure.objects.get().first_day.isoformat() == "2026-12-09"


def test_mailbox_password_is_never_shown_and_kept_when_left_empty(client, admin_user, back_type):
    mailbox = Mailbox.objects.create(
        name="Claims in", host="h", username="u", password="s3cret-pw", work_type=back_type
    )
    client.force_login(admin_user)
    url = f"/admin/workitems/mailbox/{mailbox.pk}/change/"
    page = client.get(url).content.decode()
    assert "s3cret-pw" not in page
    data = {
        "name": "Claims in",
        "host": "imap.example.org",
        "port": "993",
        "use_ssl": "on",
        "username": "u",
        "password": "",
        "folder": "INBOX",
        "work_type": back_type.pk,
        "team": "",
        "active": "on",
    }
    assert client.post(url, data).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.password) == ("imap.example.org", "s3cret-pw")
