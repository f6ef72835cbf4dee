from django.apps import AppConfig


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = "Training and people"

    def ready(self):
        from ccops import navigation, roles, schedules
        from ccops.choices import Role

        A, S, H, Q, P = Role.AGENT, Role.SUPERVISOR, Role.HR, Role.QA, Role.PLANNER
        everyone = (A, S, H, Q, P)
        nav = navigation.register
        nav("My development", "training:me", (A,), order=400)
        nav("My buddy", "training:my_buddy", (A,), order=405)
        nav("Skills matrix", "training:matrix", (S, H, P), order=410)
        nav("Tiers", "training:tier_report", (S, H), order=415, home_for={H})
        nav("Modules", "training:module_list", (S, H), order=420)
        nav("Shadowing", "training:shadowing_list", (A, S, H), order=425)
        nav("Buddies", "training:pairing_list", (S, H), order=430)
        nav("Recognition", "training:leaderboard", everyone, order=440)
        nav("Incentives", "training:scheme_list", (H,), order=445)
        nav("Ideas", "training:idea_list", everyone, order=450)

        # Model permissions (Django admin and API model checks); pages check roles.
        read = ("training.view_skill", "training.view_tier", "training.view_trainingmodule")
        people = (
            "training.view_agentskill",
            "training.view_agenttier",
            "training.view_tierprogress",
            "training.view_buddypairing",
            "training.view_enrollment",
            "training.view_shadowingsession",
            "training.view_recognition",
            "training.view_idea",
        )
        roles.grant(A, *read, "training.view_idea", "training.add_idea")
        roles.grant(Q, *read, "training.view_recognition", "training.add_recognition")
        roles.grant(P, *read, "training.view_agentskill", "training.view_agenttier")
        roles.grant(
            S,
            *read,
            *people,
            "training.change_agentskill",
            "training.add_agentskill",
            "training.add_enrollment",
            "training.change_enrollment",
            "training.add_shadowingsession",
            "training.add_buddypairing",
            "training.change_buddypairing",
            "training.add_recognition",
            "training.change_idea",
        )
        roles.grant(H, "training.*")
        roles.grant(Role.ADMIN, "training.*")

        schedules.register(
            "training: tiers and certifications (nightly)",
            "training.tasks.recompute_tiers",
            minute="45",
            hour="1",
        )
        schedules.register(
            "training: incentive awards (after the nightly KPIs)",
            "training.tasks.award_incentives",
            minute="30",
            hour="4",
        )
