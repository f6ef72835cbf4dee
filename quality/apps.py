from django.apps import AppConfig


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = "Quality"

    def ready(self):
        from ccops import navigation, roles, schedules
        from ccops.choices import Role

        reviewers = (Role.QA, Role.SUPERVISOR)
        navigation.register("QA queue", "quality:queue", reviewers, order=300, home_for=[Role.QA])
        navigation.register("Evaluations", "quality:evaluation_list", reviewers, order=310)
        navigation.register("My quality", "quality:my_quality", (Role.AGENT,), order=320)
        navigation.register("Calibration", "quality:calibration_list", (Role.QA,), order=330)
        navigation.register(
            "Coaching", "quality:coaching_list", (*reviewers, Role.AGENT), order=340
        )
        navigation.register("Scorecards", "quality:scorecard_list", (Role.QA,), order=350)

        roles.grant(Role.QA, "quality.*")
        roles.grant(
            Role.SUPERVISOR,
            "quality.view_scorecard",
            "quality.view_evaluation",
            "quality.view_coachingsession",
            "quality.add_coachingsession",
            "quality.change_coachingsession",
            "quality.view_coachingtip",
        )
        schedules.register(
            "quality: weekly QA sample (Monday 02:30)",
            "quality.tasks.draw_weekly_sample",
            minute="30",
            hour="2",
            day_of_week="1",
        )
