import pytest
from django.core.management import call_command

from ccops.demo import DemoContext
from ccops.models import Team, User


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_idempotent(capsys, monkeypatch):
    # People and teams are what this test compares: five days of work history instead of
    # 60 keep its two runs quick (tests/workitems/test_demo.py checks the history).
    monkeypatch.setattr(DemoContext, "history_days", 5, raising=False)
    call_command("seed_demo", "--agents", "8", "--seed", "3")
    out = capsys.readouterr().out
    assert "sup1" in out and "admin" in out and "demo-pass-2026" in out
    first = list(User.objects.order_by("username").values_list("username", "display_name"))
    call_command("seed_demo", "--agents", "8", "--seed", "3")
    second = list(User.objects.order_by("username").values_list("username", "display_name"))
    assert first == second
    assert Team.objects.count() == 4
    assert User.objects.filter(groups__name="Agent").count() == 8
    assert {"front", "back"} == set(Team.objects.values_list("office", flat=True))


@pytest.mark.django_db
def test_seed_demo_if_empty_skips(capsys):
    User.objects.create(username="someone")
    call_command("seed_demo", "--if-empty")
    assert "not loaded again" in capsys.readouterr().out
    assert User.objects.count() == 1
