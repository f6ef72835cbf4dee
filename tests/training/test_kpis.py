"""Training completion KPI on a small hand-made day."""

from datetime import date

import pytest

from ccops import kpis
from training.choices import EnrollmentStatus, ModuleKind
from training.kpis import training_completion_per_agent
from training.models import Enrollment, TrainingModule


@pytest.mark.django_db
def test_training_completion_numerator_and_denominator(agent, back_agent):
    a, b, c = (
        TrainingModule.objects.create(
            title=f"Module {n}", slug=f"m{n}", kind=ModuleKind.values[0], duration_minutes=30
        )
        for n in "abc"
    )
    day = date(2026, 3, 10)
    # agent: a completed on the day, b completed later, c withdrawn -> 1 done of 2
    Enrollment.objects.create(
        agent=agent,
        module=a,
        enrolled_on=date(2026, 3, 1),
        status=EnrollmentStatus.COMPLETED,
        completed_on=day,
    )
    Enrollment.objects.create(
        agent=agent,
        module=b,
        enrolled_on=date(2026, 3, 2),
        status=EnrollmentStatus.COMPLETED,
        completed_on=date(2026, 3, 11),
    )
    Enrollment.objects.create(
        agent=agent, module=c, enrolled_on=date(2026, 3, 2), status=EnrollmentStatus.WITHDRAWN
    )
    # back_agent: a in progress, b enrolled after the day (not counted) -> 0 of 1
    Enrollment.objects.create(
        agent=back_agent,
        module=a,
        enrolled_on=date(2026, 3, 5),
        status=EnrollmentStatus.IN_PROGRESS,
    )
    Enrollment.objects.create(agent=back_agent, module=b, enrolled_on=date(2026, 3, 12))
    assert training_completion_per_agent(day) == [(agent.pk, 1, 2), (back_agent.pk, 0, 1)]
    assert kpis.get("training_completion").unit == "%"
