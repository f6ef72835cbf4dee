"""Labels, not codes: every page a role's menu lists (and a few detail pages), rendered on the
small demo, shows no raw choice value (``after_contact``, ``in_progress``, ``front_office``...)
in its visible text. Attributes, scripts and styles may keep codes (machine-readable); what
a person reads may not. CSV and spreadsheet exports keep codes on purpose and are not pages.
"""

import re

import pytest
from django.apps import apps
from django.utils.html import strip_tags

from ccops import navigation
from ccops.models import Team, User
from workitems.models import Customer, WorkItem

pytestmark = pytest.mark.django_db

ROLES = {
    "agent": "fo001",
    "back agent": "bo003",
    "back supervisor": "sup3",
    "supervisor": "sup1",
    "planner": "planner",
    "qa": "qa",
    "hr": "hr",
    "admin": "admin",
}
# Known codes a person should never read, whatever the models say.
KNOWN = {"after_contact", "in_progress", "front_office", "back_office", "on_contact"}
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
# Text meant to be copied as written (a code sample, a field name in a form's help).
LITERAL = re.compile(r"<(code|pre|kbd|textarea)\b.*?</\1>", re.S | re.I)


def choice_codes() -> set[str]:
    """Every choice value of every model field that only a program would write: the ones
    with an underscore (``after_contact``), which no label of ours has."""
    codes = set(KNOWN)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    return codes


def visible_text(html: str) -> str:
    return strip_tags(LITERAL.sub(" ", HIDDEN.sub(" ", html)))


def codes_in(text: str, codes: set[str]) -> set[str]:
    words = set(re.findall(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+", text))
    return words & codes


def test_the_check_finds_a_code_in_text_only():
    codes = {"after_contact"}
    assert codes_in(visible_text("<td>after_contact</td>"), codes) == {"after_contact"}
    assert codes_in(visible_text('<td data-state="after_contact">Wrap-up</td>'), codes) == set()
    assert codes_in(visible_text("<script>x='after_contact'</script>"), codes) == set()
    assert "after_contact" in choice_codes() and "in_progress" in choice_codes()


def _detail_urls(role: str) -> list[str]:
    urls = []
    if role in ("supervisor", "admin"):
        item = WorkItem.objects.order_by("pk").first()
        customer = Customer.objects.order_by("pk").first()
        urls += [f"/work/items/{item.pk}/", f"/work/customers/{customer.pk}/"]
    if role in ("supervisor", "back supervisor", "planner", "qa", "hr", "admin"):
        team = Team.objects.order_by("pk").first()
        urls += [f"/dashboard/team/{team.pk}/", "/dashboard/office/front/"]
        urls += ["/dashboard/office/back/"]
    return urls


def test_no_page_of_any_role_shows_a_raw_code(client, demo_center):
    demo_center()
    codes = choice_codes()
    problems, pages = [], 0
    for role, username in ROLES.items():
        user = User.objects.get(username=username)
        client.force_login(user)
        urls = [i["url"] for i in navigation.items_for(user)]
        urls += [u for u in _detail_urls(role) if u not in urls]
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            found = codes_in(visible_text(response.content.decode()), codes)
            if found:
                problems.append(f"{role} {url}: {sorted(found)}")
    assert problems == [], "\n".join(problems)
    assert pages > 40
