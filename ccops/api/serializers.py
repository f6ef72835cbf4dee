from rest_framework import serializers

from ..models import Team, User


class TeamSerializer(serializers.ModelSerializer):
    # Not source="supervisor.__str__": with no supervisor that is None.__str__, a string.
    supervisor_name = serializers.StringRelatedField(source="supervisor", allow_null=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "office", "site", "supervisor", "supervisor_name", "member_count"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    office = serializers.CharField(source="team.office", read_only=True, default=None)
    tenure_band = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "team",
            "team_name",
            "office",
            "hire_date",
            "tenure_band",
            "roles",
        ]
        read_only_fields = fields

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.role_names)

    def get_tenure_band(self, obj) -> str:
        return obj.tenure_band()


class UserSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "team", "team_name", "hire_date", "is_active"]
        read_only_fields = fields
