"""Django admin for quality. Scorecard versions in use are read-only here: edit them on the
Scorecards page, which creates a new version (see ``services.scorecards``). Evaluation
results are written by the services only, so they are read-only here too."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    CalibrationScore,
    CalibrationSession,
    CoachingSession,
    CoachingTip,
    CoachingTipCriterion,
    Criterion,
    Evaluation,
    EvaluationEvent,
    SampleRun,
    Scorecard,
    ScorecardSection,
)
from .services import scorecard_in_use


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["position", "section", "key", "text", "weight", "kind", "scale_max", "critical"]
    fields += ["na_allowed", "required"]


class SectionInline(admin.TabularInline):
    model = ScorecardSection
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(SimpleHistoryAdmin):
    list_display = ["name", "version", "is_current", "office", "pass_mark", "created_at"]
    list_filter = ["is_current", "office"]
    search_fields = ["name", "description"]
    filter_horizontal = ["work_types"]
    readonly_fields = ["family", "version", "is_current", "created_at", "created_by"]
    inlines = [SectionInline, CriterionInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and (not obj.is_current or scorecard_in_use(obj)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and scorecard_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["key", "text", "scorecard", "section", "weight", "kind", "critical"]
    list_filter = ["kind", "critical", "na_allowed", "scorecard__is_current"]
    search_fields = ["key", "text", "scorecard__name"]
    list_select_related = ["scorecard", "section"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and scorecard_in_use(obj.scorecard):
            return False
        return super().has_change_permission(request, obj)


class EventInline(admin.TabularInline):
    """The evaluation's log, read-only: events are appended by the services, never edited
    (on PostgreSQL a trigger refuses UPDATE and DELETE, see migration 0003)."""

    model = EvaluationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "action", "actor", "from_status", "to_status", "changes", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["id", "item", "agent", "evaluator", "scorecard", "status", "score", "passed"]
    list_display += ["submitted_at"]
    list_filter = ["status", "office", "source", "passed", "critical_failed", "resolution"]
    search_fields = ["=id", "=item__id", "agent__username", "evaluator__username"]
    list_select_related = ["item", "agent", "evaluator", "scorecard"]
    raw_id_fields = ["item", "agent", "team", "work_type", "scorecard", "evaluator", "resolved_by"]
    date_hierarchy = "created_at"
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # its event log is append-only and protects it


@admin.register(EvaluationEvent)
class EvaluationEventAdmin(admin.ModelAdmin):
    list_display = ["evaluation", "action", "actor", "from_status", "to_status", "at"]
    list_filter = ["action"]
    search_fields = ["=evaluation__id", "actor__username", "note"]
    list_select_related = ["evaluation", "actor"]
    raw_id_fields = ["evaluation", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SampleRun)
class SampleRunAdmin(admin.ModelAdmin):
    list_display = ["week_start", "per_agent", "drawn", "runs", "last_run_at", "last_run_by"]
    list_filter = ["per_agent"]
    search_fields = ["seed"]
    list_select_related = ["last_run_by"]


class CalibrationScoreInline(admin.TabularInline):
    model = CalibrationScore
    extra = 0
    raw_id_fields = ["item", "evaluator"]


@admin.register(CalibrationSession)
class CalibrationSessionAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "scorecard",
        "status",
        "reference_evaluator",
        "created_at",
        "revealed_by",
        "reveal_overridden",
    ]
    list_filter = ["status", "reveal_overridden"]
    search_fields = ["title", "notes"]
    list_select_related = ["scorecard", "reference_evaluator", "revealed_by"]
    raw_id_fields = ["items"]
    filter_horizontal = ["participants"]
    inlines = [CalibrationScoreInline]


@admin.register(CalibrationScore)
class CalibrationScoreAdmin(admin.ModelAdmin):
    list_display = ["session", "item", "evaluator", "score", "submitted_at"]
    list_filter = ["session__status"]
    search_fields = ["session__title", "evaluator__username", "=item__id"]
    list_select_related = ["session", "item", "evaluator"]
    raw_id_fields = ["session", "item", "evaluator"]


class TipCriterionInline(admin.TabularInline):
    model = CoachingTipCriterion
    extra = 1


@admin.register(CoachingTip)
class CoachingTipAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "office", "active"]
    list_filter = ["kind", "office", "active"]
    search_fields = ["title", "body", "criteria__criterion_key"]
    inlines = [TipCriterionInline]


@admin.register(CoachingTipCriterion)
class CoachingTipCriterionAdmin(admin.ModelAdmin):
    list_display = ["criterion_key", "tip"]
    list_filter = ["tip__office"]
    search_fields = ["criterion_key", "tip__title"]
    list_select_related = ["tip"]


@admin.register(CoachingSession)
class CoachingSessionAdmin(admin.ModelAdmin):
    list_display = ["agent", "coach", "held_on", "follow_up_on", "done"]
    list_filter = ["done", "held_on"]
    search_fields = ["agent__username", "coach__username", "agreed_actions", "notes"]
    list_select_related = ["agent", "coach"]
    raw_id_fields = ["agent", "coach", "evaluations"]
    filter_horizontal = ["tips"]
