"""Buddy pairings in the database: suggestions applied, manual pairing rules, the cap."""

from collections import Counter

import pytest
from django.test import override_settings

from ccops.choices import Office, Role
from tests.factories import TeamFactory, make_user
from training import services
from training.errors import Conflict, InvalidInput, NotAllowed
from training.models import BuddyPairing

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(db, hire):
    front = TeamFactory(name="Calls", office=Office.FRONT)
    back = TeamFactory(name="Cases", office=Office.BACK)
    fronts = [hire(front, f"f{i}", days=30 if i < 3 else 500) for i in range(9)]
    backs = [hire(back, f"b{i}", days=40 if i == 0 else 700) for i in range(4)]
    return fronts, backs


def open_map():
    return dict(BuddyPairing.objects.filter(ends_on__isnull=True).values_list("agent", "buddy"))


def test_apply_pairs_everyone_across_offices_within_the_cap(offices, hr):
    fronts, backs = offices
    result = services.buddy_pairings_apply(by=hr, cap=3)
    pairs = open_map()
    assert result["created"] == 13 and result["unpaired"] == []
    back_ids = {b.pk for b in backs}
    assert all(pairs[f.pk] in back_ids for f in fronts)
    assert all(pairs[b.pk] not in back_ids for b in backs)
    assert max(Counter(pairs.values()).values()) <= 3
    # New hires (hired 30-40 days ago) have experienced buddies.
    for new in [*fronts[:3], backs[0]]:
        buddy = BuddyPairing.objects.get(agent=new, ends_on__isnull=True).buddy
        assert buddy.tenure_days() >= 365
    # Applying again adds nobody: everyone has an open pairing.
    assert services.buddy_pairings_apply(by=hr, cap=3)["created"] == 0
    assert BuddyPairing.objects.count() == 13


def test_default_cap_grows_only_as_needed(offices, hr):
    with override_settings(TRAINING_BUDDY_MAX_LOAD=2):
        result = services.buddy_pairings_apply(by=hr)
    assert result["cap"] == 3  # 9 front agents over 4 back buddies need 3
    assert result["unpaired"] == []


def test_apply_needs_a_manager(offices, agent, planner):
    for user in (agent, planner):
        with pytest.raises(NotAllowed):
            services.buddy_pairings_apply(by=user)
    assert not BuddyPairing.objects.exists()


def test_manual_pair_checks_office_cap_and_replaces(offices, hr):
    fronts, backs = offices
    with pytest.raises(InvalidInput) as err:
        services.buddy_pair(agent=fronts[0], buddy=fronts[1], by=hr)
    assert err.value.field == "buddy" and "other office" in err.value.message
    with pytest.raises(InvalidInput) as err:
        services.buddy_pair(agent=fronts[0], buddy=fronts[0], by=hr)
    assert err.value.field == "buddy"
    for f in fronts[:3]:
        services.buddy_pair(agent=f, buddy=backs[1], by=hr)
    with pytest.raises(InvalidInput) as err:
        services.buddy_pair(agent=fronts[3], buddy=backs[1], by=hr)
    assert "cap is 3" in err.value.message
    with pytest.raises(Conflict):
        services.buddy_pair(agent=fronts[0], buddy=backs[1], by=hr)
    # Changing a buddy the same day replaces the pairing: one open pairing per agent.
    services.buddy_pair(agent=fronts[0], buddy=backs[2], by=hr)
    assert open_map()[fronts[0].pk] == backs[2].pk
    assert BuddyPairing.objects.filter(agent=fronts[0]).count() == 1


def test_manual_pair_ends_an_older_pairing_yesterday(offices, hr):
    from datetime import timedelta

    fronts, backs = offices
    old = services.buddy_pair(agent=fronts[0], buddy=backs[1], by=hr)
    BuddyPairing.objects.filter(pk=old.pk).update(starts_on=old.starts_on - timedelta(days=30))
    new = services.buddy_pair(agent=fronts[0], buddy=backs[2], by=hr)
    old.refresh_from_db()
    assert old.ends_on == new.starts_on - timedelta(days=1)


def test_supervisor_pairs_own_team_only(offices, supervisor, hr):
    fronts, backs = offices
    with pytest.raises(NotAllowed):
        services.buddy_pair(agent=fronts[0], buddy=backs[1], by=supervisor)
    mine = make_user(Role.AGENT, username="mine", team=supervisor.team)
    services.buddy_pair(agent=mine, buddy=backs[1], by=supervisor)
    pairing = BuddyPairing.objects.get(agent=mine)
    services.buddy_pairing_end(pairing=pairing, by=supervisor)
    with pytest.raises(Conflict):
        services.buddy_pairing_end(pairing=pairing, by=supervisor)
