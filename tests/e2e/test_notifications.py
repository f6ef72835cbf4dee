"""Browser test of the notification centre: the bell counts what is new, opening one reads
it and goes to its page, and the settings page saves a person's channels."""

import pytest

from ccops import notifications
from ccops.notification_models import NotificationPreference

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bell_open_and_settings(page, login, agent):
    notifications.notify(
        notifications.Kind.EVALUATION_SUBMITTED, [agent], title="Evaluation #9 submitted: 90%"
    )
    notifications.notify(
        notifications.Kind.ESCALATED, [agent], title="Item #4 escalated", url="/work/"
    )
    login("agent")
    page.wait_for_selector("[data-testid=bell] [data-testid=unread]")
    assert page.locator("[data-testid=unread]").inner_text().startswith("2")

    page.click("[data-testid=bell]")
    page.wait_for_url("**/core/notifications/")
    titles = page.locator("[data-testid=notification] [data-testid=open]").all_inner_texts()
    assert titles == ["Item #4 escalated", "Evaluation #9 submitted: 90%"]
    page.click("text=Item #4 escalated")
    page.wait_for_url("**/work/")
    page.wait_for_selector("[data-testid=bell] [data-testid=unread]")
    assert page.locator("[data-testid=unread]").inner_text().startswith("1")

    page.goto("/core/notifications/settings/")
    page.check("#id_escalated__email")
    page.uncheck("#id_escalated__in_app")
    page.click("[data-testid=notification-settings] button[type=submit]")
    assert "Notification settings saved." in page.locator(".alert-success").inner_text()
    pref = NotificationPreference.objects.get(user=agent, kind="escalated")
    assert (pref.in_app, pref.email, pref.webhook) == (False, True, False)
