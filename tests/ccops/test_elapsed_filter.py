"""The ``elapsed`` filter: a wait or an age at the moment the page shows, in duration units."""

from datetime import timedelta

from django.template import Context, Template
from django.utils import timezone

from ccops.templatetags.ccops_tags import elapsed


def test_elapsed_reads_relative_to_the_moment_shown():
    at = timezone.now()
    assert elapsed(at - timedelta(seconds=200), at) == "3 min 20 s"
    assert elapsed(at - timedelta(hours=2, minutes=10), at) == "2 h 10 min"
    assert elapsed(at + timedelta(minutes=5), at) == "0 s"  # after the moment shown
    assert elapsed(None, at) == "-" and elapsed(at, None) == "-"


def test_presence_board_shows_time_in_state_in_units():
    at = timezone.now()
    html = Template("{% load ccops_tags %}{{ since|elapsed:now }}").render(
        Context({"since": at - timedelta(minutes=42), "now": at})
    )
    assert html == "42 min"
