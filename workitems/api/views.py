"""Work item API: work types, customers (and their journey), items with one action endpoint
per transition, and presence.

Every write calls one service; a ``WorkflowError`` becomes its status (400/403/409) with
``{"detail": message, "errors": {field: [message]}}``. Items are read through
``WorkItem.objects.visible_to(user)``: an item an agent may not see is a 404, not a 403.
"""

from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters as drf_filters
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ccops.api.errors import error_response
from ccops.api.pagination import KeysetPagination
from ccops.choices import Role
from ccops.permissions import STAFF_ROLES, HasRole, ReadAnyWriteRoles

from .. import selectors, services
from ..calendar_services import clock_of, work_type_changed
from ..choices import PresenceState, Source
from ..errors import WorkflowError
from ..models import AgentPresence, WorkItem, WorkItemEvent, WorkType
from . import serializers as s
from .filters import PresenceFilter, WorkItemFilter, WorkTypeFilter

READERS = (Role.AGENT, *STAFF_ROLES)
ITEM_RELATED = services.ITEM_NAMES
NO_WORK = "No work for your skills right now."


def _has_name(item: WorkItem, name: str) -> bool:
    """The item's ``name`` link is loaded (or empty): reading it costs no query."""
    return getattr(item, f"{name}_id") is None or WorkItem._meta.get_field(name).is_cached(item)


def _errors(*codes: int) -> dict:
    return {code: OpenApiResponse(s.ErrorSerializer) for code in codes}


class WorkflowErrorsMixin:
    """Turn the services' domain errors into the API's JSON error shape."""

    def handle_exception(self, exc):
        if isinstance(exc, WorkflowError):
            errors = {exc.field: [exc.message]} if exc.field else {}
            return error_response(exc.message, exc.status_code, errors)
        return super().handle_exception(exc)


# --- Work types and customers -----------------------------------------------------------


class WorkTypeViewSet(viewsets.ModelViewSet):
    """Kinds of work with their SLA and routing rules. Everyone signed in reads; Admins
    change them. A type that has items cannot be deleted (409): deactivate it instead."""

    serializer_class = s.WorkTypeSerializer
    permission_classes = [ReadAnyWriteRoles.of(Role.ADMIN)]
    filterset_class = WorkTypeFilter
    ordering_fields = ["name", "office", "priority"]
    queryset = WorkType.objects.select_related("required_skill", "owning_team").order_by(
        "office", "name"
    )

    def perform_update(self, serializer):
        before = clock_of(serializer.instance)
        # Its open items' SLA times follow a new calendar or new targets (on commit).
        work_type_changed(serializer.save(), before)

    @extend_schema(responses={204: None, **_errors(409)})
    def destroy(self, request, *args, **kwargs):
        work_type = self.get_object()
        try:
            work_type.delete()
        except ProtectedError:
            return error_response(
                f"{work_type} has work items: set it inactive instead of deleting it.",
                status.HTTP_409_CONFLICT,
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers, searchable by name, reference, email or phone (``?search=``): the ones
    whose work the user can see (``WorkItem.objects.visible_to``, the item's own rule), so
    a customer with no visible item is a 404 and never a search hit."""

    serializer_class = s.CustomerSerializer
    permission_classes = [HasRole.of(*READERS)]
    filter_backends = [drf_filters.SearchFilter, drf_filters.OrderingFilter]
    search_fields = ["name", "=external_ref", "email", "phone"]
    ordering_fields = ["name", "external_ref", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.visible_customers(self.request.user).order_by("name", "id")

    @extend_schema(
        summary="The customer's journey",
        description="Their items you can see across both offices, oldest first, each with "
        "its events (origin, hand-off and reopen links included). Not paginated: the 500 "
        "oldest items.",
        responses={200: s.JourneyEntrySerializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def journey(self, request, pk=None):
        customer = self.get_object()
        entries = selectors.customer_journey(customer=customer, user=request.user)
        for entry in entries:  # every item is this customer's: no query per item for its name
            entry["item"].customer = customer
        context = {**self.get_serializer_context(), "now": timezone.now()}
        return Response(s.JourneyEntrySerializer(entries, many=True, context=context).data)


# --- Work items -------------------------------------------------------------------------


class EventPagination(KeysetPagination):
    """An item's history, oldest first, by cursor (``wie_item_at``)."""

    ordering = ("at", "id")


_ROLE_PERMISSIONS = {
    roles: HasRole.of(*roles)
    for roles in (
        READERS,
        (Role.AGENT,),
        (Role.SUPERVISOR,),
        (Role.AGENT, Role.SUPERVISOR),
    )
}
# Who may call each endpoint; the services still check the item (its holder, its state).
ITEM_ACTION_ROLES = {
    "list": READERS,
    "retrieve": READERS,
    "events": READERS,
    "comment": READERS,
    "create": (Role.AGENT, Role.SUPERVISOR),
    "reopen": (Role.AGENT, Role.SUPERVISOR),
    "unassign": (Role.AGENT, Role.SUPERVISOR),
    "next": (Role.AGENT,),
    "start": (Role.AGENT,),
    "pend": (Role.AGENT,),
    "complete": (Role.AGENT,),
    "handoff": (Role.AGENT,),
    "escalate": (Role.AGENT,),
    "partial_update": (Role.SUPERVISOR,),
    "assign": (Role.SUPERVISOR,),
    "cancel": (Role.SUPERVISOR,),
    "merge": (Role.SUPERVISOR,),
    "suggested_agents": (Role.SUPERVISOR,),
}


@extend_schema_view(
    list=extend_schema(summary="Work items you can see", responses=s.WorkItemSerializer),
    retrieve=extend_schema(responses={200: s.WorkItemSerializer, **_errors(404)}),
)
class WorkItemViewSet(
    WorkflowErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Work items of both offices. No PUT and no DELETE: state changes are the action
    endpoints (``/cancel/`` ends an item), each calling one service."""

    serializer_class = s.WorkItemSerializer
    filterset_class = WorkItemFilter
    # Paged by cursor, newest first, off ``wi_created_id``: no count, and any page costs
    # what the first does. Only orderings an index serves (``?ordering=created_at``,
    # ``-created_at``, ``id``, ``-id``).
    pagination_class = KeysetPagination
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"\d+"
    queryset = WorkItem.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return WorkItem.objects.visible_to(self.request.user).select_related(*ITEM_RELATED)

    def get_permissions(self):
        roles = ITEM_ACTION_ROLES.get(self.action, READERS)
        return [_ROLE_PERMISSIONS[roles]()]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _item(self) -> WorkItem:
        self._read = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._read

    def _respond(self, item: WorkItem, code=status.HTTP_200_OK) -> Response:
        """The item as the service left it, with its names (type, customer, holder, team).

        A name the service did not load comes from the row ``_item()`` read before the
        change, where that link did not change; if one is still missing, the item is read
        again with them all (one query), so the answer never costs a query per name."""
        read = getattr(self, "_read", None)
        if read is not None and read.pk == item.pk:
            for name in ITEM_RELATED:
                if not _has_name(item, name) and (
                    getattr(item, f"{name}_id") == getattr(read, f"{name}_id")
                ):
                    setattr(item, name, getattr(read, name))
        if not all(_has_name(item, name) for name in ITEM_RELATED):
            item = WorkItem.objects.select_related(*ITEM_RELATED).get(pk=item.pk)
        return Response(self.get_serializer(item).data, status=code)

    def _holder_step(self, serializer_class, service) -> Response:
        """The holder's start, pause or complete: the item (another's is a 404 before its
        body is a 400), the body, then the service."""
        item = self._item()
        data = self._body(serializer_class)
        extra = {"note": data["note"]} if "note" in data else {}
        item = service(
            item=item, by=self.request.user, expected_version=data.get("version"), **extra
        )
        return self._respond(item)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return body.validated_data

    # --- create and edit ---

    @extend_schema(
        summary="Create an item (idempotent on external_ref)",
        request=s.WorkItemCreateSerializer,
        responses={
            201: s.WorkItemSerializer,
            200: OpenApiResponse(s.WorkItemSerializer, "Already sent: the existing item."),
            **_errors(400, 403, 409),
        },
    )
    def create(self, request):
        data = self._body(s.WorkItemCreateSerializer)
        item = services.workitem_create(by=request.user, source=Source.API, **data)
        if not item.was_existing:
            return self._respond(item, status.HTTP_201_CREATED)
        if not self.get_queryset().filter(pk=item.pk).exists():
            return error_response(
                "An item with this external_ref already exists.",
                status.HTTP_409_CONFLICT,
                {"external_ref": ["Already used by an item you cannot see."]},
            )
        return self._respond(item)

    @extend_schema(
        summary="Correct title, details or priority (supervisors)",
        request=s.WorkItemUpdateSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        item = self._item()
        data = dict(self._body(s.WorkItemUpdateSerializer))
        version = data.pop("version")
        item = services.workitem_update(
            item=item, by=request.user, changes=data, expected_version=version
        )
        return self._respond(item)

    # --- routing ---

    @extend_schema(
        summary="Take the next item",
        description="Claims the most urgent open item the agent's skills and tier allow, or "
        "returns the item they were given and have not started. Always 200: ``item`` is null "
        f'with ``detail`` "{NO_WORK}" when there is nothing for them.',
        request=None,
        responses={200: s.NextItemSerializer, **_errors(403)},
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def next(self, request):
        item = services.workitem_claim_next(agent=request.user)  # with its ITEM_NAMES
        if item is None:
            return Response({"item": None, "detail": NO_WORK})
        return Response(
            {"item": self.get_serializer(item).data, "detail": f"Item #{item.pk} is yours."}
        )

    @extend_schema(
        summary="Push-assign to an agent (supervisors)",
        request=s.AssignSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        item = self._item()
        data = self._body(s.AssignSerializer)
        item = services.workitem_assign(
            item=item,
            to=data["agent"],
            by=request.user,
            note=data["note"],
            expected_version=data.get("version"),
        )
        return self._respond(item)

    @extend_schema(
        summary="Return to the queue (its holder or a supervisor)",
        request=s.NoteSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        item = self._item()
        data = self._body(s.NoteSerializer)
        item = services.workitem_unassign(
            item=item, by=request.user, note=data["note"], expected_version=data.get("version")
        )
        return self._respond(item)

    @extend_schema(
        summary="Suggested agents for push-assign (supervisors)",
        responses={200: s.SuggestedAgentSerializer(many=True), **_errors(403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="suggested-agents",
        pagination_class=None,
        filter_backends=[],
    )
    def suggested_agents(self, request, pk=None):
        item = self._item()
        rows = selectors.suggested_agents(item=item)
        return Response(s.SuggestedAgentSerializer(rows, many=True).data)

    # --- the holder's actions ---

    @extend_schema(
        summary="Start working (the holder)",
        request=s.VersionSerializer,
        responses={200: s.WorkItemSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._holder_step(s.VersionSerializer, services.workitem_start)

    @extend_schema(
        summary="Pause: waiting for something (the holder)",
        request=s.RequiredNoteSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def pend(self, request, pk=None):
        return self._holder_step(s.RequiredNoteSerializer, services.workitem_pend)

    @extend_schema(
        summary="Mark done (the holder)",
        request=s.NoteSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._holder_step(s.NoteSerializer, services.workitem_complete)

    @extend_schema(
        summary="Hand a front-office contact to the back office (the holder)",
        description="Closes the contact and returns the new back-office case (201).",
        request=s.HandoffSerializer,
        responses={201: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def handoff(self, request, pk=None):
        item = self._item()
        data = self._body(s.HandoffSerializer)
        case = services.workitem_handoff(
            item=item,
            by=request.user,
            work_type=data["work_type"],
            note=data["note"],
            title=data["title"],
            expected_version=data.get("version"),
        )
        return self._respond(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Escalate to your buddy (the holder)",
        request=s.NoteSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        item = self._item()
        data = self._body(s.NoteSerializer)
        item = services.workitem_escalate(
            item=item, by=request.user, note=data["note"], expected_version=data.get("version")
        )
        return self._respond(item)

    # --- after the work, and supervisors ---

    @extend_schema(
        summary="Reopen a done item",
        description="Within the reopen window the same item goes back to the queue (200); "
        "later a new item linked by ``related_to`` is created and returned (201).",
        request=s.OptionalNoteSerializer,
        responses={
            200: s.WorkItemSerializer,
            201: OpenApiResponse(s.WorkItemSerializer, "A new, linked item."),
            **_errors(403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        item = self._item()
        data = self._body(s.OptionalNoteSerializer)
        reopened = services.workitem_reopen(item=item, by=request.user, note=data["note"])
        code = status.HTTP_200_OK if reopened.pk == item.pk else status.HTTP_201_CREATED
        return self._respond(reopened, code)

    @extend_schema(
        summary="Cancel with a reason (supervisors)",
        request=s.RequiredNoteSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        item = self._item()
        data = self._body(s.RequiredNoteSerializer)
        item = services.workitem_cancel(
            item=item, by=request.user, note=data["note"], expected_version=data.get("version")
        )
        return self._respond(item)

    @extend_schema(
        summary="Merge this duplicate into another item (supervisors)",
        request=s.MergeSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        item = self._item()
        data = self._body(s.MergeSerializer)
        item = services.workitem_merge(
            item=item, into=data["into"], by=request.user, note=data["note"]
        )
        return self._respond(item)

    @extend_schema(
        summary="Add a comment to the item's history",
        request=s.CommentSerializer,
        responses={200: s.WorkItemSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        item = self._item()
        data = self._body(s.CommentSerializer)
        item = services.workitem_comment(item=item, by=request.user, note=data["note"])
        return self._respond(item)

    @extend_schema(
        summary="The item's history, oldest first",
        responses={200: s.WorkItemEventSerializer(many=True), **_errors(404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=EventPagination)
    def events(self, request, pk=None):
        item = self._item()
        events = (
            WorkItemEvent.objects.filter(item=item)
            .select_related("actor", "assignee")
            .order_by("at", "id")
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(s.WorkItemEventSerializer(page, many=True).data)


# --- Presence ---------------------------------------------------------------------------


class PresenceViewSet(WorkflowErrorsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """``/presence/``: everyone's state and time in it (supervisors; ``?team=``,
    ``?office=``, ``?state=``). ``/presence/me/``: an agent reads or sets their own."""

    serializer_class = s.PresenceSerializer
    filterset_class = PresenceFilter
    ordering_fields = ["since", "state"]
    queryset = AgentPresence.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return selectors.presence_board()

    def get_permissions(self):
        roles = (Role.AGENT,) if self.action == "me" else (Role.SUPERVISOR,)
        return [_ROLE_PERMISSIONS[roles]()]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        methods=["GET"],
        summary="My presence state",
        responses={200: s.PresenceSerializer, **_errors(403)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Set my presence state",
        description="Agents set available, after-contact work, break, training or offline; "
        "the other states follow from their work (400 naming ``state``).",
        request=s.PresenceSetSerializer,
        responses={200: s.PresenceSerializer, **_errors(400, 403)},
    )
    @action(detail=False, methods=["get", "post"], filter_backends=[])
    def me(self, request):
        user = request.user
        if request.method == "POST":
            data = self._body(s.PresenceSetSerializer)
            services.presence_set(agent=user, state=data["state"])
        presence = AgentPresence.objects.select_related("agent__team").filter(agent=user).first()
        if presence is None:  # never set: offline, and reading writes nothing
            presence = AgentPresence(agent=user, state=PresenceState.OFFLINE, since=None)
        return Response(self.get_serializer(presence).data)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data
