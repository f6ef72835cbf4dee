"""Evaluation output through ``ReadPlanMixin`` (nested events included) is DRF's output."""

import pytest
from django.db.models import Prefetch

from ccops.api.fast import ReadPlanMixin
from quality import selectors, services
from quality.api.serializers import (
    EvaluationDetailSerializer,
    EvaluationSerializer,
    EventSerializer,
)
from quality.models import EvaluationEvent

pytestmark = pytest.mark.django_db


def test_evaluation_detail_output_matches_drf(submitted, qa, agent):
    services.evaluation_acknowledge(evaluation=submitted, by=agent, comment="Thanks")
    events = EvaluationEvent.objects.select_related("actor").order_by("at", "id")
    evaluation = (
        selectors.evaluation_detail_queryset(qa)
        .prefetch_related(Prefetch("events", queryset=events))
        .get(pk=submitted.pk)
    )
    for cls in (EvaluationDetailSerializer, EvaluationSerializer):
        serializer = cls(evaluation)
        assert serializer.data == super(ReadPlanMixin, serializer).to_representation(evaluation)
    for event in evaluation.events.all():  # the nested rows, each against DRF's path too
        serializer = EventSerializer(event)
        assert serializer.data == super(ReadPlanMixin, serializer).to_representation(event)
    detail = EvaluationDetailSerializer(evaluation).data
    assert len(detail["events"]) >= 3 and detail["events"][-1]["actor_name"] == str(agent)
    assert detail["status"] == "acknowledged" and detail["agent_comment"] == "Thanks"
