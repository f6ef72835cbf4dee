from django.db.models import Count, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..choices import Role
from ..models import Team, User
from ..permissions import STAFF_ROLES, HasRole, ReadAnyWriteRoles
from .serializers import MeSerializer, TeamSerializer, UserSerializer


class TeamFilter(filters.FilterSet):
    class Meta:
        model = Team
        fields = ["office", "site", "supervisor"]


class TeamViewSet(viewsets.ModelViewSet):
    """Teams of both offices. Everyone signed in may read; Admins change them."""

    serializer_class = TeamSerializer
    permission_classes = [ReadAnyWriteRoles.of(Role.ADMIN)]
    filterset_class = TeamFilter
    ordering_fields = ["name", "office"]
    queryset = (
        Team.objects.select_related("supervisor")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("office", "name")
    )

    def perform_create(self, serializer):
        team = serializer.save()
        serializer.instance = self.get_queryset().get(pk=team.pk)  # with its member_count


class UserFilter(filters.FilterSet):
    class Meta:
        model = User
        fields = ["team", "is_active"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """People. Staff roles list everyone; ``/users/me/`` is open to every signed-in user."""

    serializer_class = UserSerializer
    permission_classes = [HasRole.of(*STAFF_ROLES)]
    filterset_class = UserFilter
    queryset = User.objects.select_related("team").order_by("username")

    def get_permissions(self):
        if self.action == "me":
            return [ReadAnyWriteRoles()]
        return super().get_permissions()

    @extend_schema(responses=MeSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        user = (
            User.objects.select_related("team").prefetch_related("groups").get(pk=request.user.pk)
        )
        return Response(MeSerializer(user).data)
