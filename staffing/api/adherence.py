"""Adherence exceptions over the API: supervisors (their teams), planners and admins."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets

from ccops.models import User
from ccops.permissions import HasRole

from ..adherence_models import AdherenceException
from ..permissions import SHIFT_EDITORS
from ..rta import adherence_exception_create, exceptions_visible_to
from .views import DomainErrors


class AdherenceExceptionSerializer(serializers.ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    agent_username = serializers.CharField(source="agent.username", read_only=True)
    approved_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = AdherenceException
        fields = ["id", "agent", "agent_username", "start", "end", "reason", "approved_by"]
        fields += ["created_at"]
        read_only_fields = ["created_at"]
        validators: list = []  # the service checks the span and the rights

    def validate(self, attrs):
        return attrs  # no model full_clean here: the service gives the field-named errors


class ExceptionEditors(HasRole):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*SHIFT_EDITORS))


class AdherenceExceptionViewSet(
    DomainErrors, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Approved adherence exceptions: counted as adherent time, they silence alerts.
    Supervisors see and record them for their own teams' agents; planners for everyone."""

    permission_classes = [ExceptionEditors]
    serializer_class = AdherenceExceptionSerializer

    def get_queryset(self):
        return exceptions_visible_to(self.request.user).select_related("agent")

    def perform_create(self, serializer):
        serializer.instance = adherence_exception_create(
            by=self.request.user, **serializer.validated_data
        )
