from django.db.models import Prefetch, prefetch_related_objects
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ccops.api.errors import error_response
from ccops.api.pagination import KeysetPagination
from ccops.api.schema import ErrorSerializer
from ccops.choices import Role
from ccops.models import User
from ccops.permissions import HasRole
from workitems.models import WorkItem

from .. import selectors, services
from ..choices import CalibrationStatus
from ..errors import InvalidInput, QualityError
from ..models import (
    CalibrationScore,
    CalibrationSession,
    CoachingSession,
    CoachingTip,
    Evaluation,
    EvaluationEvent,
    Scorecard,
)
from ..services.common import require_qa
from . import serializers as s


class QualityErrorsMixin:
    """Domain errors of the services become the API's JSON error shape."""

    def handle_exception(self, exc):
        if isinstance(exc, QualityError):
            return error_response(exc.message, exc.status_code, exc.errors)
        return super().handle_exception(exc)

    def valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _lookup(model, pk, field: str):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"No {field} #{pk}.", field=field)
    return obj


class ScorecardViewSet(viewsets.ReadOnlyModelViewSet):
    """Scorecards with their criteria. Current versions; ``?all=1`` adds the old ones."""

    serializer_class = s.ScorecardSerializer
    filterset_fields = ["office", "is_current", "family"]

    def get_queryset(self):
        include_old = self.action == "retrieve" or self.request.query_params.get("all") == "1"
        return selectors.scorecards(include_old=include_old)


class EvaluationFilter(filters.FilterSet):
    class Meta:
        model = Evaluation
        fields = ["status", "agent", "team", "office", "evaluator", "scorecard", "source"]


class EvaluationViewSet(
    QualityErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Evaluations in the caller's scope (QA: all; supervisors: their teams; agents: their
    own, once submitted). Writes go through the services; bad answers give 400 with
    ``errors["answers.<criterion key>"]``."""

    filterset_class = EvaluationFilter
    # By cursor, newest first, off ``qa_eval_created``: no count of the collection.
    pagination_class = KeysetPagination
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    # Actions that change one evaluation: finding it in the caller's scope needs no names or
    # events (the service locks the row and reads it again with its names for the answer).
    WRITE_ACTIONS = frozenset(("partial_update", "submit", "acknowledge", "dispute", "resolve"))

    def get_queryset(self):
        if self.action == "list":
            return selectors.evaluations_for(self.request.user).order_by("-created_at", "-id")
        if self.action in self.WRITE_ACTIONS:
            return Evaluation.objects.visible_to(self.request.user)
        return selectors.evaluation_detail_queryset(self.request.user).prefetch_related(
            self._events()
        )

    @staticmethod
    def _events():
        return Prefetch(
            "events", queryset=EvaluationEvent.objects.select_related("actor").order_by("at", "id")
        )

    def get_serializer_class(self):
        return s.EvaluationSerializer if self.action == "list" else s.EvaluationDetailSerializer

    def filter_queryset(self, queryset):
        # The filters and ordering are the list's: an action on one evaluation (found by id
        # in the caller's scope) would only pay for building the filter form.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _detail(self, evaluation, status=200):
        """The detail answer from what a service returned: the evaluation it wrote, with the
        names the list shows (``selectors.LIST_RELATED``: joined by the service's lock, or
        the objects a new evaluation was made of); its events are read here."""
        prefetch_related_objects([evaluation], self._events())
        return Response(s.EvaluationDetailSerializer(evaluation).data, status=status)

    @extend_schema(request=s.EvaluationCreateInput, responses=s.EvaluationDetailSerializer)
    def create(self, request):
        data = self.valid(s.EvaluationCreateInput)
        evaluation = services.evaluation_start(
            item=data["item"],
            evaluator=request.user,
            scorecard=_lookup(Scorecard, data.get("scorecard"), "scorecard"),
            answers=data.get("answers"),
            comments=data.get("comments"),
            overall_comment=data.get("overall_comment"),
            submit=data["submit"],
        )
        return self._detail(evaluation, status=201)

    @extend_schema(request=s.EvaluationContentInput, responses=s.EvaluationDetailSerializer)
    def partial_update(self, request, pk=None):
        data = self.valid(s.EvaluationContentInput)
        evaluation = services.evaluation_save(
            evaluation=self.get_object(),
            by=request.user,
            answers=data.get("answers"),
            comments=data.get("comments"),
            overall_comment=data.get("overall_comment"),
            expected_version=data.get("version"),
        )
        return self._detail(evaluation)

    @extend_schema(request=s.EvaluationContentInput, responses=s.EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = self.valid(s.EvaluationContentInput)
        evaluation = services.evaluation_submit(
            evaluation=self.get_object(),
            by=request.user,
            answers=data.get("answers"),
            comments=data.get("comments"),
            overall_comment=data.get("overall_comment"),
            expected_version=data.get("version"),
        )
        return self._detail(evaluation)

    @extend_schema(request=s.AcknowledgeInput, responses=s.EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        data = self.valid(s.AcknowledgeInput)
        evaluation = services.evaluation_acknowledge(
            evaluation=self.get_object(),
            by=request.user,
            comment=data["comment"],
            expected_version=data.get("version"),
        )
        return self._detail(evaluation)

    @extend_schema(request=s.DisputeInput, responses=s.EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        data = self.valid(s.DisputeInput)
        evaluation = services.evaluation_dispute(
            evaluation=self.get_object(),
            by=request.user,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return self._detail(evaluation)

    @extend_schema(request=s.ResolveInput, responses=s.EvaluationDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = self.valid(s.ResolveInput)
        evaluation = services.evaluation_resolve(
            evaluation=self.get_object(),
            by=request.user,
            outcome=data["outcome"],
            reason=data["reason"],
            answers=data.get("answers"),
            comments=data.get("comments"),
            expected_version=data.get("version"),
        )
        return self._detail(evaluation)


def report_as_json(report, names: dict) -> dict:
    """The calibration report as plain JSON (evaluators by id, with names)."""

    def num(value):
        return None if value is None else round(float(value), 4)

    return {
        "agreement": {
            "definition": (
                "unanimous_share: share of (item, criterion) pairs on which every evaluator "
                "gave the same answer"
            ),
            "unanimous_share": num(report.unanimous_share),
            "mean_item_score_std": num(report.mean_item_score_std),
        },
        "reference_evaluator": report.reference,
        "items": [
            {
                "item": item,
                "mean_score": num(mean),
                "score_std": num(report.item_score_std.get(item)),
            }
            for item, mean in report.item_mean_score.items()
        ],
        "evaluators": [
            {
                "evaluator": ev.evaluator,
                "name": names.get(ev.evaluator, ""),
                "n_items": ev.n_items,
                "mean_score": num(ev.mean_score),
                "mean_deviation_from_group": num(ev.mean_deviation_from_group),
                "mean_abs_deviation_from_group": num(ev.mean_abs_deviation_from_group),
                "mean_deviation_from_reference": num(ev.mean_deviation_from_reference),
                "mean_abs_deviation_from_reference": num(ev.mean_abs_deviation_from_reference),
            }
            for ev in report.evaluators.values()
        ],
        "criteria": [
            {
                "criterion": c.criterion,
                "n_items": c.n_items,
                "modal_agreement": num(c.modal_agreement),
                "unanimous_share": num(c.unanimous_share),
                "mean_distinct_answers": num(c.mean_distinct_answers),
                "points_std": num(c.points_std),
                "reference_agreement": num(c.reference_agreement),
            }
            for c in report.criteria.values()
        ],
    }


def reliability_as_json(rel) -> dict:
    """Alpha per criterion and the ICC of the totals, with their plain-language bands."""

    def num(value):
        return None if value is None else round(float(value), 4)

    icc = rel.icc
    return {
        "alpha": [
            {
                "criterion": a.criterion,
                "level": a.level,
                "alpha": num(a.alpha),
                "band": a.band.label if a.band else None,
                "n_items": a.n_items,
                "n_answers": a.n_answers,
                "note": a.note,
            }
            for a in rel.alphas
        ],
        "icc": {
            "method": "ICC(2,1): two-way random effects, absolute agreement, single rater",
            "icc2_1": num(icc.icc2_1) if icc else None,
            "icc3_1": num(icc.icc3_1) if icc else None,
            "band": icc.band.label if icc and icc.band else None,
            "n_items": icc.n_items if icc else 0,
            "n_evaluators": icc.n_evaluators if icc else 0,
        },
    }


class CalibrationSessionViewSet(QualityErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Calibration sessions (QA: all; other evaluators: those they take part in). QA opens
    one (``POST``; items from ``eligible-items``; a scorecard that does not apply to an
    item's work type is refused with 400) and reveals it once every evaluator has scored
    (``/reveal/``; earlier only with ``override`` and a ``reason``, recorded)."""

    serializer_class = s.CalibrationSessionSerializer
    permission_classes = [HasRole.of(Role.QA, Role.SUPERVISOR)]
    filterset_fields = ["status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return CalibrationSession.objects.none()
        return selectors.calibration_sessions_for(self.request.user)

    def _session_data(self, pk):
        return s.CalibrationSessionSerializer(self.get_queryset().get(pk=pk)).data

    @extend_schema(
        request=s.CalibrationSessionInput,
        responses={201: s.CalibrationSessionSerializer, 400: ErrorSerializer},
    )
    def create(self, request):
        require_qa(request.user, "open calibration sessions")  # before the body: role first
        data = self.valid(s.CalibrationSessionInput)
        scorecard = _lookup(Scorecard, data["scorecard"], "scorecard")
        ids = list(dict.fromkeys(data["items"]))
        items = list(WorkItem.objects.filter(pk__in=ids).select_related("work_type"))
        missing = sorted(set(ids) - {i.pk for i in items})
        if missing:
            raise InvalidInput(f"No item #{missing[0]}.", field="items")
        people = list(dict.fromkeys(data["participants"]))
        participants = list(User.objects.filter(pk__in=people))
        if len(participants) != len(people):
            raise InvalidInput("Unknown participant.", field="participants")
        session = services.calibration_session_create(
            by=request.user,
            title=data["title"],
            scorecard=scorecard,
            items=items,
            participants=participants,
            reference_evaluator=_lookup(
                User, data.get("reference_evaluator"), "reference_evaluator"
            ),
            notes=data["notes"],
        )
        return Response(self._session_data(session.pk), status=201)

    @extend_schema(
        request=s.RevealInput,
        responses={200: s.CalibrationSessionSerializer, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Reveal: 409 while scores are missing, unless ``override`` with a ``reason``."""
        session = self.get_object()  # the object before the body: 404 outside one's scope
        data = self.valid(s.RevealInput)
        session = services.calibration_session_reveal(
            session=session,
            by=request.user,
            override=data["override"],
            reason=data["reason"],
        )
        return Response(self._session_data(session.pk))

    @extend_schema(
        parameters=[
            OpenApiParameter("scorecard", int, required=True, description="Current scorecard"),
            OpenApiParameter("q", str, description="Item number or words of the title"),
        ],
        responses={200: s.EligibleItemSerializer(many=True), 400: ErrorSerializer},
    )
    @action(detail=False, methods=["get"], url_path="eligible-items")
    def eligible_items(self, request):
        """Completed items of the scorecard's work types, newest first (the picker's list).
        QA only: they open sessions."""
        require_qa(request.user, "open calibration sessions")
        raw = request.query_params.get("scorecard", "")
        scorecard = (
            Scorecard.objects.filter(pk=int(raw), is_current=True).first()
            if raw.isdigit() and len(raw) < 12
            else None
        )
        if scorecard is None:
            raise InvalidInput("Give a current scorecard's id.", field="scorecard")
        qs = selectors.calibration_eligible_items(
            scorecard, search=request.query_params.get("q", "")[:100]
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.EligibleItemSerializer(page, many=True).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 409: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """Reliability (Krippendorff's alpha per criterion, ICC(2,1) of the totals, with
        bands), then the raw agreement: scores against the group mean and the reference,
        spread per criterion. Only once revealed: scoring is blind until then (409)."""
        session = self.get_object()
        if session.status != CalibrationStatus.REVEALED:
            return error_response("Results are shown once the session is revealed.", 409)
        scores = list(
            CalibrationScore.objects.filter(session=session).order_by("evaluator_id", "item_id")
        )
        report = services.calibration_report(session, scores)
        names = {
            u.pk: str(u) for u in User.objects.filter(pk__in={sc.evaluator_id for sc in scores})
        }
        body = report_as_json(report, names) if report else {}
        if report:
            rel = services.calibration_reliability(session, scores)
            body = {"reliability": reliability_as_json(rel), **body}
        return Response({"session": s.CalibrationSessionSerializer(session).data, **body})


class CoachingSessionViewSet(
    QualityErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Coaching sessions in scope; QA and supervisors create them; ``/complete/`` closes."""

    serializer_class = s.CoachingSessionSerializer
    filterset_fields = ["agent", "coach", "done"]

    def get_queryset(self):
        return (
            CoachingSession.objects.visible_to(self.request.user)
            .select_related("agent", "agent__team", "coach")
            .prefetch_related("evaluations", "tips")
            .order_by("-held_on", "-id")
        )

    @extend_schema(request=s.CoachingSessionInput, responses=s.CoachingSessionSerializer)
    def create(self, request):
        if not request.user.has_role(Role.QA, Role.SUPERVISOR):
            return error_response("Your role does not allow this.", 403)
        data = self.valid(s.CoachingSessionInput)
        agent = _lookup(User, data["agent"], "agent")
        evaluations = list(
            Evaluation.objects.visible_to(request.user).filter(pk__in=data.get("evaluations", []))
        )
        if len(evaluations) != len(set(data.get("evaluations", []))):
            return error_response(
                "Unknown evaluation.", 400, {"evaluations": ["Unknown evaluation."]}
            )
        tips = list(CoachingTip.objects.filter(pk__in=data.get("tips", [])))
        session = services.coaching_session_create(
            coach=request.user,
            agent=agent,
            agreed_actions=data["agreed_actions"],
            notes=data["notes"],
            held_on=data.get("held_on"),
            follow_up_on=data.get("follow_up_on"),
            evaluations=evaluations,
            tips=tips,
        )
        return Response(
            s.CoachingSessionSerializer(self.get_queryset().get(pk=session.pk)).data, 201
        )

    @extend_schema(request=None, responses=s.CoachingSessionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        session = services.coaching_session_complete(session=self.get_object(), by=request.user)
        return Response(s.CoachingSessionSerializer(self.get_queryset().get(pk=session.pk)).data)
