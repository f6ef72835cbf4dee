from django.contrib import admin

from .models import AgentSkill, AgentTier, BuddyPairing, Skill, Tier


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "office"]
    list_filter = ["office"]
    search_fields = ["name"]


@admin.register(AgentSkill)
class AgentSkillAdmin(admin.ModelAdmin):
    list_display = ["agent", "skill", "level", "certified_on", "expires_on"]
    list_filter = ["skill", "level"]
    search_fields = ["agent__username", "agent__display_name", "skill__name"]
    list_select_related = ["agent", "skill"]
    raw_id_fields = ["agent", "certified_by"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "rank", "pay_differential_percent", "pay_differential_hourly"]


@admin.register(AgentTier)
class AgentTierAdmin(admin.ModelAdmin):
    list_display = ["agent", "tier", "since"]
    list_filter = ["tier"]
    search_fields = ["agent__username", "agent__display_name"]
    list_select_related = ["agent", "tier"]
    raw_id_fields = ["agent"]


@admin.register(BuddyPairing)
class BuddyPairingAdmin(admin.ModelAdmin):
    list_display = ["agent", "buddy", "starts_on", "ends_on"]
    list_filter = ["ends_on"]
    search_fields = ["agent__username", "buddy__username"]
    list_select_related = ["agent", "buddy"]
    raw_id_fields = ["agent", "buddy"]
