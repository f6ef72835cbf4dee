"""Intraday reads labels, not codes, and "for ..." relative to the moment it looks at."""

import pytest
from django.template.loader import render_to_string

from staffing.intraday import intraday_snapshot
from workitems.services import presence_set

from .conftest import MONDAY, at
from .test_intraday_adherence import floor  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def test_out_of_adherence_shows_the_label_and_the_duration_at_the_viewed_time(floor):  # noqa: F811
    presence_set(agent=floor["front"][0], state="after_contact", at=at(MONDAY, 9, 30))
    presence_set(agent=floor["front"][1], state="break", at=at(MONDAY, 9, 50))
    snap = intraday_snapshot(now=at(MONDAY, 11, 40))
    html = render_to_string("staffing/_intraday_panel.html", {"snapshot": snap})
    row = next(r for r in snap["out_of_adherence"] if r["agent"].username == "f1")
    assert row["state_label"] == "Break"
    assert ">Break<" in html and ">break<" not in html
    assert "for 1 h 50 min" in html  # 09:50 -> 11:40, not "since 09:50"
