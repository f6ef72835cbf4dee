"""Training API: plain CRUD where it is plain (skills, modules), otherwise reads scoped to
the caller and writes through the services, whose errors become the JSON error shape."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from ccops.api.errors import error_response
from ccops.api.filters import IdFilter
from ccops.choices import Role
from ccops.permissions import HasRole, ReadAnyWriteRoles

from .. import selectors, services
from ..errors import TrainingError
from ..models import (
    AgentSkill,
    BuddyPairing,
    Enrollment,
    Idea,
    Recognition,
    Skill,
    Tier,
    TrainingModule,
)
from . import serializers as s

EVERYONE = (Role.AGENT, Role.SUPERVISOR, Role.HR, Role.QA, Role.PLANNER)
MANAGERS = (Role.HR, Role.SUPERVISOR)
PEOPLE_READERS = (Role.HR, Role.SUPERVISOR, Role.PLANNER)


class ServiceErrorsMixin:
    """Domain errors of the services become the API's JSON error shape."""

    def handle_exception(self, exc):
        if isinstance(exc, TrainingError):
            return error_response(exc.message, exc.status_code, exc.errors)
        return super().handle_exception(exc)

    def valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def sees_everyone(user, roles=PEOPLE_READERS) -> bool:
    return user.has_role(*roles)


def people_of(user) -> Q | None:
    """The agents whose development rows ``user`` reads: None (everyone) for HR and admins;
    a supervisor their teams' agents and themselves; anyone else themselves."""
    if user.has_role(Role.HR):
        return None
    if user.has_role(Role.SUPERVISOR):
        return Q(agent__team__supervisor=user) | Q(agent=user)
    return Q(agent=user)


def schema_only(view) -> bool:
    """drf-spectacular builds the schema with an anonymous request: no scoping then."""
    return getattr(view, "swagger_fake_view", False)


class SkillViewSet(viewsets.ModelViewSet):
    """Skills (linked to work types). Everyone reads; HR changes them."""

    serializer_class = s.SkillSerializer
    permission_classes = [ReadAnyWriteRoles.of(Role.HR)]
    filterset_fields = ["office"]
    queryset = Skill.objects.order_by("name")


class AgentSkillFilter(filters.FilterSet):
    team = IdFilter(field_name="agent__team")

    class Meta:
        model = AgentSkill
        fields = ["agent", "skill", "level", "team"]


class AgentSkillViewSet(
    ServiceErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Agents' skill levels. HR, supervisors and planners read all; agents their own.
    ``POST`` sets a level (creating or updating the agent's row for that skill) and
    recomputes the agent's tier; HR or the agent's supervisor only."""

    serializer_class = s.AgentSkillSerializer
    filterset_class = AgentSkillFilter
    permission_classes = [HasRole.of(*EVERYONE)]

    def get_queryset(self):
        qs = AgentSkill.objects.select_related("agent", "skill", "certified_by").order_by(
            "agent__username", "skill__name"
        )
        if schema_only(self):
            return qs.none()
        if not sees_everyone(self.request.user):
            qs = qs.filter(agent=self.request.user)
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=s.AgentSkillInput, responses=s.AgentSkillSerializer)
    def create(self, request):
        data = self.valid(s.AgentSkillInput)
        row = services.agent_skill_set(by=request.user, **data)
        row = (
            self.get_queryset()
            .model.objects.select_related("agent", "skill", "certified_by")
            .get(pk=row.pk)
        )
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        row = get_object_or_404(AgentSkill.objects.select_related("agent"), pk=pk)
        services.agent_skill_remove(agent_skill=row, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TierViewSet(ServiceErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Tiers with their competencies and pay differentials. ``/report/``: who qualifies for
    their next tier and what they lack; ``/{id}/promote/``: HR confirms a promotion."""

    serializer_class = s.TierSerializer
    permission_classes = [HasRole.of(*EVERYONE)]

    def get_queryset(self):
        return selectors.tiers_with_counts()

    def get_permissions(self):
        if self.action == "report":
            return [HasRole.of(*MANAGERS)()]
        if self.action == "promote":
            return [HasRole.of(Role.HR)()]
        return super().get_permissions()

    @extend_schema(responses=s.TierProgressSerializer(many=True))
    @action(detail=False, methods=["get"])
    def report(self, request):
        params = request.query_params
        ready = {"1": True, "true": True, "0": False, "false": False}.get(params.get("ready", ""))
        qs = selectors.tier_report(office=params.get("office", ""), ready=ready)
        if params.get("team", "").isdigit():
            qs = qs.filter(agent__team_id=int(params["team"]))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.TierProgressSerializer(page, many=True).data)

    @extend_schema(request=s.PromoteInput, responses={201: dict})
    @action(detail=True, methods=["post"])
    def promote(self, request, pk=None):
        tier = get_object_or_404(Tier, pk=pk)
        data = self.valid(s.PromoteInput)
        change = services.tier_promote(
            agent=data["agent"], tier=tier, by=request.user, reason=data.get("reason", "")
        )
        return Response(
            {
                "agent": change.agent_id,
                "from_tier": change.from_tier_id,
                "to_tier": change.to_tier_id,
                "pay_differential_percent": str(change.pay_differential_percent),
                "pay_differential_hourly": str(change.pay_differential_hourly),
            },
            status=status.HTTP_201_CREATED,
        )


class ModuleViewSet(viewsets.ModelViewSet):
    """Training modules. Everyone reads; HR changes them."""

    serializer_class = s.ModuleSerializer
    permission_classes = [ReadAnyWriteRoles.of(Role.HR)]
    filterset_fields = ["office", "kind", "active", "required_for_new_hires"]
    queryset = TrainingModule.objects.order_by("title")


class EnrollmentViewSet(
    ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Enrollments. HR reads all; supervisors their teams' agents'; agents their own.
    ``POST`` enrols (HR, the agent's supervisor, or the agent in an e-learning module);
    ``/{id}/result/`` records a score (pass mark completes the module)."""

    serializer_class = s.EnrollmentSerializer
    permission_classes = [HasRole.of(*EVERYONE)]
    filterset_fields = ["agent", "module", "status"]

    def get_queryset(self):
        qs = Enrollment.objects.select_related("agent", "module").order_by(
            "agent__username", "module__title"
        )
        if schema_only(self):
            return qs.none()
        scope = people_of(self.request.user)
        return qs if scope is None else qs.filter(scope)

    @extend_schema(request=s.EnrollmentInput, responses=s.EnrollmentSerializer)
    def create(self, request):
        data = self.valid(s.EnrollmentInput)
        row = services.enrollment_create(by=request.user, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ResultInput, responses=s.EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        row = get_object_or_404(self.get_queryset(), pk=pk)
        data = self.valid(s.ResultInput)
        row = services.enrollment_record_result(
            enrollment=row,
            score=data["score"],
            completed_on=data.get("completed_on"),
            by=request.user,
        )
        return Response(self.get_serializer(row).data)


class PairingViewSet(
    ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Open buddy pairings (``?all=1`` adds ended ones). HR and supervisors read all; agents
    the pairings they are in. ``POST`` pairs by hand; ``/suggest/`` previews suggestions for
    the unpaired; ``/apply/`` applies them; ``/{id}/end/`` ends a pairing."""

    serializer_class = s.PairingSerializer
    permission_classes = [HasRole.of(*EVERYONE)]
    filterset_fields = ["agent", "buddy"]

    def get_permissions(self):
        if self.action in ("create", "suggest", "apply", "end"):
            return [HasRole.of(*MANAGERS)()]
        return super().get_permissions()

    def get_queryset(self):
        qs = BuddyPairing.objects.select_related("agent__team", "buddy__team").order_by(
            "agent__username", "-starts_on"
        )
        if self.request.query_params.get("all") != "1":
            qs = qs.filter(ends_on__isnull=True)
        if schema_only(self):
            return qs.none()
        user = self.request.user
        if not sees_everyone(user, MANAGERS):
            qs = qs.filter(Q(agent=user) | Q(buddy=user))
        return qs

    @extend_schema(request=s.PairingInput, responses=s.PairingSerializer)
    def create(self, request):
        data = self.valid(s.PairingInput)
        row = services.buddy_pair(by=request.user, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def suggest(self, request):
        result = services.buddy_suggest()
        return Response(
            {
                "cap": result.cap,
                "pairs": [
                    {
                        "agent": p.agent_id,
                        "buddy": p.buddy_id,
                        "score": p.score,
                        "reasons": list(p.reasons),
                    }
                    for p in result.pairs
                ],
                "unpaired": [{"agent": a, "reason": why} for a, why in result.unpaired],
            }
        )

    @extend_schema(request=s.ApplyInput, responses={200: dict})
    @action(detail=False, methods=["post"])
    def apply(self, request):
        data = self.valid(s.ApplyInput)
        result = services.buddy_pairings_apply(by=request.user, cap=data.get("cap"))
        return Response(
            {
                "created": result["created"],
                "cap": result["cap"],
                "unpaired": [{"agent": a, "reason": why} for a, why in result["unpaired"]],
            }
        )

    @extend_schema(request=None, responses=s.PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = get_object_or_404(BuddyPairing.objects.select_related("agent"), pk=pk)
        row = services.buddy_pairing_end(pairing=row, by=request.user)
        return Response(self.get_serializer(row).data)


class RecognitionViewSet(
    ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Recognition points. HR reads all; supervisors their teams' agents'; everyone what
    they received or gave. ``POST`` gives kudos or an award (by role);
    ``/leaderboard/?window=month&office=back`` ranks agents by points with the
    office-normalised index."""

    serializer_class = s.RecognitionSerializer
    permission_classes = [HasRole.of(*EVERYONE)]
    filterset_fields = ["agent", "kind", "given_by", "scheme", "idea"]

    def get_queryset(self):
        qs = Recognition.objects.select_related("agent", "given_by").order_by("-given_on", "-id")
        if schema_only(self):
            return qs.none()
        user = self.request.user
        scope = people_of(user)
        return qs if scope is None else qs.filter(scope | Q(given_by=user))

    @extend_schema(request=s.RecognitionInput, responses=s.RecognitionSerializer)
    def create(self, request):
        data = self.valid(s.RecognitionInput)
        row = services.recognition_give(by=request.user, **data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"])
    def leaderboard(self, request):
        win = selectors.window(request.query_params.get("window", "month"), timezone.localdate())
        office = request.query_params.get("office", "")
        averages = selectors.office_averages(start=win.start, end=win.end)
        qs = selectors.agent_leaderboard(
            start=win.start, end=win.end, averages=averages, office=office
        )
        page = self.paginate_queryset(qs)
        rows = [
            {
                "agent": a.pk,
                "name": str(a),
                "team": a.team.name,
                "office": a.team.office,
                "points": a.points,
                "index": round(a.index, 1),
            }
            for a in page
        ]
        response = self.get_paginated_response(rows)
        response.data["window"] = {"start": win.start, "end": win.end}
        response.data["office_averages"] = averages
        return response


class IdeaViewSet(
    ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The idea board: everyone reads and submits; HR and supervisors move ideas with
    ``/{id}/transition/`` (implemented ideas award their authors' points once)."""

    serializer_class = s.IdeaSerializer
    permission_classes = [HasRole.of(*EVERYONE)]
    filterset_fields = ["status", "office", "submitted_by"]

    def get_queryset(self):
        return (
            Idea.objects.select_related("submitted_by")
            .prefetch_related(Prefetch("co_authors"))
            .order_by("-submitted_at", "-id")
        )

    def get_permissions(self):
        if self.action == "transition":
            return [HasRole.of(*MANAGERS)()]
        return super().get_permissions()

    @extend_schema(request=s.IdeaInput, responses=s.IdeaSerializer)
    def create(self, request):
        data = self.valid(s.IdeaInput)
        idea = services.idea_submit(by=request.user, **data)
        return Response(self.get_serializer(idea).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TransitionInput, responses=s.IdeaSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        idea = get_object_or_404(Idea, pk=pk)
        data = self.valid(s.TransitionInput)
        idea = services.idea_transition(
            idea=idea,
            to_status=data["status"],
            by=request.user,
            notes=data.get("notes", ""),
            points=data.get("points"),
        )
        return Response(self.get_serializer(idea).data)
