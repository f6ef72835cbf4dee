"""Calibration reveal under concurrency (PostgreSQL): one reveal wins, and a score saved at
the moment of the reveal is either counted before it or refused after it."""

import pytest

from quality import services
from quality.errors import QualityError
from quality.models import CalibrationScore, CalibrationSession
from tests.services import require_postgres

from .conftest import PERFECT
from .test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session(qa, supervisor, front_card, done_item, agent):
    return services.calibration_session_create(
        by=qa,
        title="Race",
        scorecard=front_card,
        items=[done_item(agent)],
        participants=[qa, supervisor],
    )


def test_two_reveals_at_once_one_wins_with_one_history_record(session, qa, admin_user):
    require_postgres()
    item = session.items.get()
    services.calibration_score_submit(session=session, by=qa, item=item, answers=PERFECT)
    results = race(
        lambda: services.calibration_session_reveal(
            session=session, by=qa, override=True, reason="First"
        ),
        lambda: services.calibration_session_reveal(
            session=session, by=admin_user, override=True, reason="Second"
        ),
    )
    assert sum(isinstance(r, QualityError) for r in results) == 1
    final = CalibrationSession.objects.get(pk=session.pk)
    assert final.status == "revealed" and final.reveal_reason in ("First", "Second")
    assert final.history.filter(status="revealed").count() == 1


def test_score_racing_the_reveal_is_counted_or_refused(session, qa, supervisor):
    require_postgres()
    item = session.items.get()
    services.calibration_score_submit(session=session, by=qa, item=item, answers=PERFECT)
    results = race(
        lambda: services.calibration_score_submit(
            session=session, by=supervisor, item=item, answers=PERFECT
        ),
        lambda: services.calibration_session_reveal(
            session=session, by=qa, override=True, reason="Now"
        ),
    )
    final = CalibrationSession.objects.get(pk=session.pk)
    scored = CalibrationScore.objects.filter(session=session).count()
    if isinstance(results[0], QualityError):  # the reveal came first: the score is refused
        assert (scored, final.reveal_overridden) == (1, True)
    else:  # the score came first: the reveal saw every score, no override recorded
        assert (scored, final.reveal_overridden, final.reveal_reason) == (2, False, "")
