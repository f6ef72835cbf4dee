"""Django admin for training. Changes that move an agent's tier go through the services
(skill levels, enrollments), so tier standing and history stay right."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AgentSkill,
    AgentTier,
    BuddyPairing,
    CompetencyAssessment,
    CompetencyRating,
    Enrollment,
    Idea,
    IncentiveScheme,
    Recognition,
    ShadowingSession,
    Skill,
    Tier,
    TierChange,
    TierProgress,
    TierSkillRequirement,
    TrainingModule,
)

PEOPLE = ["agent__username", "agent__display_name"]


@admin.register(Skill)
class SkillAdmin(SimpleHistoryAdmin):
    list_display = ["name", "office"]
    list_filter = ["office"]
    search_fields = ["name"]


@admin.register(AgentSkill)
class AgentSkillAdmin(SimpleHistoryAdmin):
    list_display = ["agent", "skill", "level", "certified_on", "expires_on"]
    list_filter = ["skill", "level"]
    search_fields = ["agent__username", "agent__display_name", "skill__name"]
    list_select_related = ["agent", "skill"]
    raw_id_fields = ["agent", "certified_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from .services import agent_tier_recompute

        agent_tier_recompute(agent=obj.agent, by=request.user)


class TierSkillRequirementInline(admin.TabularInline):
    model = TierSkillRequirement
    extra = 1


@admin.register(Tier)
class TierAdmin(SimpleHistoryAdmin):
    list_display = ["name", "rank", "pay_differential_percent", "pay_differential_hourly"]
    search_fields = ["name"]
    list_filter = ["rank"]
    filter_horizontal = ["required_modules"]
    inlines = [TierSkillRequirementInline]


@admin.register(TierSkillRequirement)
class TierSkillRequirementAdmin(SimpleHistoryAdmin):
    list_display = ["tier", "skill", "min_level"]
    list_filter = ["tier", "skill"]
    search_fields = ["tier__name", "skill__name"]
    list_select_related = ["tier", "skill"]


@admin.register(AgentTier)
class AgentTierAdmin(SimpleHistoryAdmin):
    list_display = ["agent", "tier", "since"]
    list_filter = ["tier"]
    search_fields = PEOPLE
    list_select_related = ["agent", "tier"]
    raw_id_fields = ["agent"]


@admin.register(TierProgress)
class TierProgressAdmin(admin.ModelAdmin):
    list_display = ["agent", "qualified_tier", "next_tier", "ready", "missing_count", "computed_at"]
    list_filter = ["ready", "next_tier"]
    search_fields = PEOPLE
    list_select_related = ["agent", "qualified_tier", "next_tier"]
    raw_id_fields = ["agent"]


@admin.register(TierChange)
class TierChangeAdmin(admin.ModelAdmin):
    list_display = [
        "agent",
        "kind",
        "from_tier",
        "to_tier",
        "pay_differential_percent",
        "effective_on",
        "changed_by",
    ]
    list_filter = ["kind", "to_tier"]
    search_fields = PEOPLE
    list_select_related = ["agent", "from_tier", "to_tier", "changed_by"]
    raw_id_fields = ["agent", "changed_by", "assessment"]
    date_hierarchy = "changed_at"


class CompetencyRatingInline(admin.TabularInline):
    model = CompetencyRating
    extra = 0


@admin.register(CompetencyAssessment)
class CompetencyAssessmentAdmin(admin.ModelAdmin):
    list_display = ["agent", "tier", "decision", "assessed_by", "assessed_on", "qa_score"]
    list_filter = ["decision", "tier"]
    search_fields = PEOPLE
    list_select_related = ["agent", "tier", "assessed_by"]
    raw_id_fields = ["agent", "assessed_by"]
    inlines = [CompetencyRatingInline]


@admin.register(CompetencyRating)
class CompetencyRatingAdmin(admin.ModelAdmin):
    list_display = ["assessment", "label", "rating"]
    list_filter = ["rating"]
    search_fields = ["label", "assessment__agent__username"]
    list_select_related = ["assessment__agent", "assessment__tier"]
    raw_id_fields = ["assessment"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "office", "duration_minutes", "pass_mark", "active"]
    list_filter = ["kind", "office", "active", "required_for_new_hires"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["agent", "module", "status", "score", "attempts", "completed_on"]
    list_filter = ["status", "module"]
    search_fields = [*PEOPLE, "module__title"]
    list_select_related = ["agent", "module"]
    raw_id_fields = ["agent", "enrolled_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from .services import agent_tier_recompute

        agent_tier_recompute(agent=obj.agent, by=request.user)


@admin.register(ShadowingSession)
class ShadowingSessionAdmin(admin.ModelAdmin):
    list_display = ["participant", "host", "host_area", "starts_at", "duration_minutes", "status"]
    list_filter = ["host_area", "status"]
    search_fields = ["participant__username", "host__username"]
    list_select_related = ["participant", "host"]
    raw_id_fields = ["participant", "host", "created_by"]
    date_hierarchy = "starts_at"


@admin.register(BuddyPairing)
class BuddyPairingAdmin(admin.ModelAdmin):
    list_display = ["agent", "buddy", "starts_on", "ends_on", "note"]
    list_filter = ["ends_on"]
    search_fields = ["agent__username", "buddy__username"]
    list_select_related = ["agent", "buddy"]
    raw_id_fields = ["agent", "buddy", "created_by"]


@admin.register(IncentiveScheme)
class IncentiveSchemeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kpi",
        "scope_kind",
        "comparison",
        "threshold",
        "period",
        "points",
        "active",
    ]
    list_filter = ["active", "scope_kind", "period", "office"]
    search_fields = ["name", "kpi"]


@admin.register(Recognition)
class RecognitionAdmin(admin.ModelAdmin):
    list_display = ["agent", "kind", "points", "given_by", "given_on", "scheme"]
    list_filter = ["kind", "scheme"]
    search_fields = [*PEOPLE, "reason"]
    list_select_related = ["agent", "given_by", "scheme"]
    raw_id_fields = ["agent", "given_by", "idea"]
    date_hierarchy = "given_on"


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "submitted_by", "office", "status", "submitted_at", "reviewer"]
    list_filter = ["status", "office"]
    search_fields = ["title", "description", "submitted_by__username"]
    list_select_related = ["submitted_by", "reviewer"]
    raw_id_fields = ["submitted_by", "reviewer", "co_authors"]
